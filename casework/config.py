"""Typed, frozen settings read once from the environment and the instance folder.

Nothing else in the application reads ``os.environ``: the factory receives a ``Settings``
and copies only Flask's own keys into ``app.config``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Environment = Literal["development", "test", "production"]
SmtpSecurity = Literal["starttls", "tls", "none"]
SMTP_SECURITY: tuple[str, ...] = ("starttls", "tls", "none")
LOCAL_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
LANGUAGES: tuple[str, ...] = ("kk", "ru", "en")


class SettingsError(RuntimeError):
    """Raised when the configuration is missing something or is unsafe for production."""


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None


@dataclass(frozen=True)
class Argon2Params:
    """argon2id cost parameters (RFC 9106 'low memory' profile by default)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to start; see README 'Configuration'."""

    environment: Environment
    instance_path: Path
    database_url: str
    intel_database_url: str
    key_file: Path
    key_passphrase: str | None = None
    demo_mode: bool = False
    secure_cookies: bool = False
    default_language: str = "en"
    session_idle_seconds: int = 15 * 60
    session_absolute_seconds: int = 8 * 60 * 60
    step_up_seconds: int = 5 * 60
    throttle_window_seconds: int = 5 * 60
    throttle_per_account: int = 5
    throttle_per_address: int = 20
    max_upload_bytes: int = 25 * 1024 * 1024
    argon2: Argon2Params = field(default_factory=Argon2Params)
    scrypt_n: int = 2**17
    log_level: str = "INFO"
    backup_recipient: str | None = None
    # Scheduled backups (issue 14): where the daily backup goes, how many are kept, and the
    # local hour it runs at. Default folder: instance/backups (left out of backups).
    backup_folder: Path | None = None
    backup_keep: int = 14
    backup_hour: int = 1
    # PostgreSQL: a scratch database owned by the application role, where the monthly
    # restore check builds its copy (deploy/postgres-setup.sh creates it).
    backup_check_database_url: str | None = None
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto may be trusted;
    # without this, throttling behind a proxy would count every request as one address.
    trusted_proxies: int = 0
    # Times are stored in UTC and shown and entered in the organisation's local time.
    timezone: str = "Asia/Almaty"
    # Statistics: counts below k are shown as "fewer than k" (issue 15; at least 3).
    statistics_k: int = 5
    # An organisation with one administrator: a grant of privilege takes effect 24 hours
    # after the request unless someone blocks it, instead of waiting for a second director.
    single_administrator: bool = False
    # Record-level (HTCDS) exports are k-anonymous with this k (CTDC uses 11).
    statistics_export_k: int = 11
    # Issue 10: e-mail for staff who opt in (content-free; docs/operations.md). No host: off.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: SmtpSecurity = "starttls"
    smtp_username: str | None = None
    # From the environment only; never shown, logged or printed (repr=False).
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    # The address staff open the app at; the only link an e-mail carries.
    public_url: str | None = None
    # The local hour (SENIM_TIMEZONE) at which the day's routine digest goes out.
    notify_digest_hour: int = 8

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def attachments_path(self) -> Path:
        return self.instance_path / "attachments"

    @property
    def tombstones_file(self) -> Path:
        """Shredded subjects, kept beside the key file (outside every database and backup)."""
        return self.key_file.parent / "tombstones.json"

    @property
    def restore_marker_file(self) -> Path:
        """Present while a restore runs (or was interrupted): the web answers 503."""
        return self.key_file.parent / "restore-in-progress.json"

    @property
    def backup_identity_file(self) -> Path:
        """Development only: the age identity for local backups (production keeps it offline)."""
        return self.key_file.parent / "backup-identity.txt"

    @property
    def backups_path(self) -> Path:
        return self.backup_folder or self.instance_path / "backups"

    @property
    def backup_check_identity_file(self) -> Path:
        """The server's own age identity, a second recipient of scheduled backups, so the
        monthly restore check can open them without the offline key (docs/operations.md)."""
        return self.key_file.parent / "backup-check-identity.txt"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``SENIM_*`` variables; fail fast on anything unsafe."""
        env = dict(os.environ if environ is None else environ)
        environment = env.get("SENIM_ENV", "development")
        if environment not in ("development", "test", "production"):
            raise SettingsError("SENIM_ENV must be development, test or production")
        instance = Path(env.get("SENIM_INSTANCE_PATH", "instance")).resolve()
        default_lang = env.get("SENIM_DEFAULT_LANGUAGE", "en")
        passphrase = env.get("SENIM_KEY_PASSPHRASE") or _read_secret_file(
            env.get("SENIM_KEY_PASSPHRASE_FILE")
        )
        settings = cls(
            environment=environment,  # type: ignore[arg-type]
            instance_path=instance,
            database_url=env.get("SENIM_DATABASE_URL") or _sqlite_url(instance / "casework.db"),
            intel_database_url=env.get("SENIM_INTEL_DATABASE_URL")
            or _sqlite_url(instance / "intel.db"),
            key_file=Path(env.get("SENIM_KEY_FILE", str(instance / "keys" / "keys.json"))),
            key_passphrase=passphrase,
            demo_mode=_flag(env.get("SENIM_DEMO", "0")),
            secure_cookies=_flag(env.get("SENIM_SECURE_COOKIES", "1" if environment ==
                                         "production" else "0")),
            default_language=default_lang,
            log_level=env.get("SENIM_LOG_LEVEL", "INFO"),
            backup_recipient=env.get("SENIM_BACKUP_RECIPIENT") or None,
            backup_folder=Path(env["SENIM_BACKUP_FOLDER"]).resolve()
            if env.get("SENIM_BACKUP_FOLDER") else None,
            backup_keep=_int(env.get("SENIM_BACKUP_KEEP", "14"), "SENIM_BACKUP_KEEP"),
            backup_hour=_int(env.get("SENIM_BACKUP_HOUR", "1"), "SENIM_BACKUP_HOUR"),
            backup_check_database_url=env.get("SENIM_BACKUP_CHECK_DATABASE_URL") or None,
            trusted_proxies=int(env.get("SENIM_TRUSTED_PROXIES", "0") or 0),
            timezone=env.get("SENIM_TIMEZONE", "Asia/Almaty"),
            statistics_k=_int(env.get("SENIM_STATISTICS_K", "5"), "SENIM_STATISTICS_K"),
            single_administrator=_flag(env.get("SENIM_SINGLE_ADMINISTRATOR", "0")),
            statistics_export_k=_int(env.get("SENIM_STATISTICS_EXPORT_K", "11"),
                                     "SENIM_STATISTICS_EXPORT_K"),
            smtp_host=env.get("SENIM_SMTP_HOST") or None,
            smtp_port=_int(env.get("SENIM_SMTP_PORT", "587"), "SENIM_SMTP_PORT"),
            smtp_security=env.get("SENIM_SMTP_SECURITY", "starttls"),  # type: ignore[arg-type]
            smtp_username=env.get("SENIM_SMTP_USERNAME") or None,
            smtp_password=env.get("SENIM_SMTP_PASSWORD") or None,
            smtp_from=env.get("SENIM_SMTP_FROM") or None,
            public_url=(env.get("SENIM_PUBLIC_URL") or "").rstrip("/") or None,
            notify_digest_hour=_int(env.get("SENIM_NOTIFY_DIGEST_HOUR", "8"),
                                    "SENIM_NOTIFY_DIGEST_HOUR"),
        )
        settings.validate(explicit_databases="SENIM_DATABASE_URL" in env
                          and "SENIM_INTEL_DATABASE_URL" in env)
        return settings

    def validate(self, *, explicit_databases: bool = True) -> None:
        """Refuse configurations that would be unsafe; stricter in production."""
        if self.default_language not in LANGUAGES:
            raise SettingsError("SENIM_DEFAULT_LANGUAGE must be one of kk, ru, en")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("SENIM_TIMEZONE is not a known time zone") from None
        if self.backup_keep < 1:
            raise SettingsError("SENIM_BACKUP_KEEP must be at least 1")
        if not 0 <= self.backup_hour <= 23:
            raise SettingsError("SENIM_BACKUP_HOUR must be an hour from 0 to 23")
        if self.statistics_k < 3:
            raise SettingsError("SENIM_STATISTICS_K must be at least 3")
        if self.statistics_export_k < 5:
            raise SettingsError("SENIM_STATISTICS_EXPORT_K must be at least 5")
        self._validate_smtp()
        if self.database_url == self.intel_database_url:
            # Victim records and intelligence must never share a database (issue 2, item 2).
            raise SettingsError("the casework and intelligence databases must be different")
        if self.environment != "production":
            return
        problems = []
        if not explicit_databases:
            problems.append("SENIM_DATABASE_URL and SENIM_INTEL_DATABASE_URL must be set")
        if not self.key_passphrase:
            problems.append("the key file must be sealed: set SENIM_KEY_PASSPHRASE(_FILE)")
        if self.demo_mode:
            problems.append("SENIM_DEMO must be off")
        if not self.secure_cookies:
            problems.append("SENIM_SECURE_COOKIES must be on (serve over TLS)")
        if self.scrypt_n < 2**17:
            problems.append("the key-file KDF cost is below the production minimum")
        if self.smtp_enabled and not (self.public_url or "").startswith("https://"):
            problems.append("SENIM_PUBLIC_URL must be an https:// address when e-mail is on")
        if problems:
            raise SettingsError("refusing to start in production: " + "; ".join(problems))

    def _validate_smtp(self) -> None:
        """Messages (issue 10) never leave over an unencrypted link except to this machine."""
        if not 0 <= self.notify_digest_hour <= 23:
            raise SettingsError("SENIM_NOTIFY_DIGEST_HOUR must be between 0 and 23")
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise SettingsError("SENIM_PUBLIC_URL must start with https:// or http://")
        if not self.smtp_enabled:
            return
        if self.smtp_security not in SMTP_SECURITY:
            raise SettingsError("SENIM_SMTP_SECURITY must be starttls, tls or none")
        if self.smtp_security == "none" and self.smtp_host not in LOCAL_HOSTS:
            raise SettingsError("SENIM_SMTP_SECURITY=none is only allowed for localhost")
        if not 0 < self.smtp_port < 65536:
            raise SettingsError("SENIM_SMTP_PORT must be between 1 and 65535")
        if not self.smtp_from or "@" not in self.smtp_from:
            raise SettingsError("SENIM_SMTP_FROM must be an e-mail address")
        if bool(self.smtp_username) != bool(self.smtp_password):
            raise SettingsError("SENIM_SMTP_USERNAME and SENIM_SMTP_PASSWORD go together")
        if not self.public_url:
            raise SettingsError("SENIM_PUBLIC_URL must be set when e-mail is on")

    def replace(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests, CLI overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _read_secret_file(path: str | None) -> str | None:
    if not path:
        return None
    return Path(path).read_text(encoding="utf-8").strip() or None
