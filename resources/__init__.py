"""Files shipped with Commander: the default update templates (templates/*.txt).

Installed as the package commander_app.resources; read them with importlib.resources.
"""
