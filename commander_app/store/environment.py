"""What this machine tells Commander: where files live, who is typing, which zone."""

from __future__ import annotations

import getpass
import logging
import os
import stat
import tempfile
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from commander_app.core.clock import SystemClock
from commander_app.core.errors import ValidationError
from commander_app.core.events import clean_device_id
from commander_app.core.ids import new_ulid
from commander_app.store.errors import MissingLogError

APP_NAME = "commander"
DB_ENV = "COMMANDER_DB"
DEVICE_ID_READ = 4_096  # bytes read of the device-id file: a good one is a line

logger = logging.getLogger(__name__)


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """`COMMANDER_DB` if set, else incidents.db in the user data directory."""
    return chosen_db_path() or data_dir() / "incidents.db"


def chosen_db_path() -> Path | None:
    """The log `COMMANDER_DB` names, if it names one: a path someone typed, not ours."""
    chosen = os.environ.get(DB_ENV)
    return Path(chosen).expanduser() if chosen else None


def check_chosen_log(path: Path, *, may_create: bool) -> None:
    """A log at a path someone typed (--db, COMMANDER_DB) is never made by surprise: a
    typo would fork the log. Only a command that starts a log (`new`, `import`) may
    create one, and only in a folder that exists."""
    if path.exists():
        return
    if not path.parent.is_dir():
        raise MissingLogError(
            f"There is no folder {path.parent} for the incident log {path.name}: "
            f"check the path (--db or {DB_ENV})."
        )
    if not may_create:
        raise MissingLogError(
            f"There is no incident log at {path}: check the path (--db or {DB_ENV}), "
            f"or start a new log there with `commander --db {path} new TITLE`."
        )


MEGABYTE = 1024 * 1024
SETTINGS_FILE_LIMIT = MEGABYTE  # a cadence policy, an authority matrix, a checklist


class FileTooLargeError(ValidationError):
    """A file Commander was given is larger than anything it would read from one."""


def size_words(size: int) -> str:
    return f"{size // MEGABYTE:,} MB" if size >= MEGABYTE else f"{size:,} bytes"


def read_text_bounded(path: Path | str, limit: int) -> str:
    """The UTF-8 text of a file of at most `limit` bytes: a device that never ends
    (/dev/zero) or a huge file is refused after `limit` bytes, never read whole."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(
            f"{path} is larger than {size_words(limit)}, the most Commander reads from "
            "such a file; nothing was read from it."
        )
    return data.decode("utf-8")


def read_settings_file(path: Path, what: str, way_out: str) -> str | None:
    """A team's settings file (cadence policy, authority matrix, word lists): its text,
    None when there is none; one that cannot be read is refused with its name, the
    problem and `way_out`, never replaced by the defaults in silence."""
    try:
        return read_text_bounded(path, SETTINGS_FILE_LIMIT)
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ValidationError(f"The {what} {path} is not UTF-8 text. {way_out}") from None
    except FileTooLargeError as exc:
        raise ValidationError(f"The {what} {exc} {way_out}") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read the {what} {path}: {exc.strerror}. {way_out}") from None


@cache
def shipped_text(folder: str, name: str) -> str:
    """A file shipped in the package's resources, read once per process."""
    from importlib import resources

    return resources.files("commander_app.resources").joinpath(folder, name).read_text("utf-8")


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside the file, flush it to disk, then rename over it.

    Only a regular file is replaced: a FIFO, a device or `/dev/stdout` is written
    through (renaming over it would put a new file in its place), and a symlink
    keeps pointing where it did while the file it names is replaced."""
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes, *, keep_mode: bool = False) -> None:
    """`write_atomically` for a file that is not text (a PDF); `keep_mode`: the new file
    gets the permissions of the one it replaces (a runbook in a shared clone)."""
    if is_written_through(path):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if keep_mode and target.exists():
            os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_written_through(path: Path) -> bool:
    """Whether `path` is no regular file (a FIFO, a device) or is one of this process's
    open files (/dev/stdout, /dev/fd/N, /proc/self/fd/N: a terminal, a pipe or a file the
    shell opened): such a path is written into, never renamed over."""
    if str(os.path.realpath(path)).startswith("/proc/") or str(path).startswith(
        ("/dev/fd/", "/dev/std", "/proc/")
    ):
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)  # follows symlinks
    except FileNotFoundError:
        return False


def device_id() -> str:
    """A stable id for this laptop, written once into the user config directory.

    It is checked by the rule every import applies (`clean_device_id`): a file that
    breaks it (a 157-character id would make the log un-importable for a colleague)
    is kept as `device-id.bad`, nothing is lost, and a fresh id is made, with a
    warning saying so."""
    path = config_dir() / "device-id"
    try:
        with open(path, "rb") as handle:
            raw = handle.read(DEVICE_ID_READ + 1)
    except FileNotFoundError:
        raw = b""
    except OSError as exc:  # a folder, unreadable: use a fresh id for this run only
        logger.warning("The device id in %s cannot be read (%s).", path, exc.strerror)
        return f"device-{new_ulid(SystemClock().now())}"
    if raw.strip():
        problem = _device_id_problem(raw)
        if problem is None:
            return clean_device_id(raw.decode("utf-8"))
        return _replace_bad_device_id(path, problem)
    return _make_device_id(path)


def _device_id_problem(raw: bytes) -> str | None:
    if len(raw) > DEVICE_ID_READ:
        return f"it is longer than {DEVICE_ID_READ:,} bytes"
    try:
        clean_device_id(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "it is not UTF-8 text"
    except ValidationError as exc:
        return str(exc).rstrip(".")
    return None


def _replace_bad_device_id(path: Path, problem: str) -> str:
    kept = path.with_name("device-id.bad")
    number = 1
    while kept.exists():
        number += 1
        kept = path.with_name(f"device-id.bad.{number}")
    try:
        os.replace(path, kept)
    except OSError:
        made = f"device-{new_ulid(SystemClock().now())}"
        logger.warning(
            "The device id in %s is not usable (%s) and cannot be moved aside; "
            "this run writes as %s. Delete the file to make a new id for good.",
            path,
            problem,
            made,
        )
        return made
    made = _make_device_id(path)
    logger.warning(
        "The device id in %s was not usable (%s): it is kept as %s, and this laptop "
        "now writes as %s. Entries already written keep their old device id.",
        path,
        problem,
        kept.name,
        made,
    )
    return made


def _make_device_id(path: Path) -> str:
    made = f"device-{new_ulid(SystemClock().now())}"
    try:
        write_atomically(path, made + "\n")
    except OSError:
        return made  # read-only home: still usable for this run
    return made


def local_zone() -> tzinfo:
    """The zone times are shown in: $TZ, else the system's, else the current offset."""
    key = os.environ.get("TZ", "").lstrip(":")
    if key:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with open("/etc/localtime", "rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        pass
    fallback = datetime.now().astimezone().tzinfo
    return fallback if fallback is not None else UTC


def default_author() -> str:
    """Who is typing: $COMMANDER_AUTHOR, else the login name."""
    chosen = os.environ.get("COMMANDER_AUTHOR", "").strip()
    if chosen:
        return chosen
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
