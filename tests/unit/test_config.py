"""Settings.from_env: fail fast on anything unsafe, stricter in production."""

from __future__ import annotations

import pytest

from casework.config import Settings, SettingsError


def production(tmp_path, **overrides: str | None) -> dict[str, str]:
    env = {
        "SENIM_ENV": "production",
        "SENIM_INSTANCE_PATH": str(tmp_path),
        "SENIM_DATABASE_URL": "postgresql+psycopg://senim@db/casework",
        "SENIM_INTEL_DATABASE_URL": "postgresql+psycopg://senim@db/intel",
        "SENIM_KEY_PASSPHRASE": "a long passphrase for the key file",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_a_good_production_config_passes(tmp_path):
    settings = Settings.from_env(production(tmp_path))
    assert settings.environment == "production"
    assert settings.secure_cookies is True        # on by default in production
    assert settings.demo_mode is False
    assert settings.key_passphrase == "a long passphrase for the key file"
    assert settings.database_url != settings.intel_database_url
    assert settings.instance_path == tmp_path.resolve()


def test_passphrase_can_come_from_a_file(tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("from the file\n", encoding="utf-8")
    env = production(tmp_path, SENIM_KEY_PASSPHRASE=None,
                     SENIM_KEY_PASSPHRASE_FILE=str(secret))
    assert Settings.from_env(env).key_passphrase == "from the file"


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"SENIM_KEY_PASSPHRASE": None}, "key file must be sealed"),
    ({"SENIM_KEY_PASSPHRASE": ""}, "key file must be sealed"),
    ({"SENIM_DEMO": "1"}, "SENIM_DEMO must be off"),
    ({"SENIM_DEMO": "yes"}, "SENIM_DEMO must be off"),
    ({"SENIM_SECURE_COOKIES": "0"}, "SENIM_SECURE_COOKIES must be on"),
    ({"SENIM_DATABASE_URL": None}, "SENIM_DATABASE_URL and SENIM_INTEL_DATABASE_URL"),
    ({"SENIM_INTEL_DATABASE_URL": None}, "SENIM_DATABASE_URL and SENIM_INTEL_DATABASE_URL"),
])
def test_production_refuses_unsafe_settings(tmp_path, overrides, needle):
    with pytest.raises(SettingsError, match="refusing to start in production") as caught:
        Settings.from_env(production(tmp_path, **overrides))
    assert needle in str(caught.value)


def test_production_lists_every_problem_at_once(tmp_path):
    env = production(tmp_path, SENIM_KEY_PASSPHRASE=None, SENIM_DEMO="1",
                     SENIM_SECURE_COOKIES="0")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    for needle in ("key file must be sealed", "SENIM_DEMO must be off",
                   "SENIM_SECURE_COOKIES must be on"):
        assert needle in message


def test_production_refuses_cheap_key_file_kdf(tmp_path):
    settings = Settings.from_env(production(tmp_path))
    with pytest.raises(SettingsError, match="KDF cost"):
        settings.replace(scrypt_n=2**10).validate()


def test_development_accepts_implicit_databases_and_no_passphrase(tmp_path):
    settings = Settings.from_env({"SENIM_INSTANCE_PATH": str(tmp_path)})
    assert settings.environment == "development"
    assert settings.secure_cookies is False
    assert settings.database_url.endswith("casework.db")
    assert settings.intel_database_url.endswith("intel.db")


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_same_url_for_both_databases_is_refused(tmp_path, environment):
    env = production(tmp_path, SENIM_ENV=environment,
                     SENIM_INTEL_DATABASE_URL="postgresql+psycopg://senim@db/casework")
    with pytest.raises(SettingsError, match="must be different"):
        Settings.from_env(env)


@pytest.mark.parametrize("language", ["de", "", "EN", "kz", "ru-RU"])
def test_bad_default_language_is_refused(tmp_path, language):
    env = {"SENIM_INSTANCE_PATH": str(tmp_path), "SENIM_DEFAULT_LANGUAGE": language}
    with pytest.raises(SettingsError, match="SENIM_DEFAULT_LANGUAGE"):
        Settings.from_env(env)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_supported_languages_are_accepted(tmp_path, language):
    env = {"SENIM_INSTANCE_PATH": str(tmp_path), "SENIM_DEFAULT_LANGUAGE": language}
    assert Settings.from_env(env).default_language == language


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="SENIM_ENV"):
        Settings.from_env({"SENIM_ENV": "prod", "SENIM_INSTANCE_PATH": str(tmp_path)})


def test_from_env_reads_only_the_mapping_given(tmp_path, monkeypatch):
    monkeypatch.setenv("SENIM_ENV", "production")
    settings = Settings.from_env({"SENIM_INSTANCE_PATH": str(tmp_path)})
    assert settings.environment == "development"


def test_settings_are_frozen(tmp_path):
    settings = Settings.from_env({"SENIM_INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.demo_mode = True  # type: ignore[misc]


SMTP = {"SENIM_SMTP_HOST": "mail.example.org", "SENIM_SMTP_FROM": "senim@example.org",
        "SENIM_PUBLIC_URL": "https://senim.example.org/"}


def test_smtp_is_off_unless_a_host_is_set(tmp_path):
    settings = Settings.from_env(production(tmp_path))
    assert settings.smtp_enabled is False


def test_smtp_settings_are_read_and_the_password_never_shown(tmp_path):
    settings = Settings.from_env(production(
        tmp_path, **SMTP, SENIM_SMTP_PORT="465", SENIM_SMTP_SECURITY="tls",
        SENIM_SMTP_USERNAME="senim", SENIM_SMTP_PASSWORD="s3cret-smtp-pass",
        SENIM_NOTIFY_DIGEST_HOUR="9"))
    assert settings.smtp_enabled and settings.smtp_port == 465
    assert settings.smtp_security == "tls" and settings.notify_digest_hour == 9
    assert settings.public_url == "https://senim.example.org"
    assert "s3cret-smtp-pass" not in repr(settings)
    from casework.services.channels import SmtpConfig

    assert "s3cret-smtp-pass" not in repr(SmtpConfig.from_settings(settings))


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"SENIM_SMTP_SECURITY": "none"}, "only allowed for localhost"),
    ({"SENIM_SMTP_SECURITY": "ssl"}, "starttls, tls or none"),
    ({"SENIM_SMTP_PORT": "0"}, "SENIM_SMTP_PORT"),
    ({"SENIM_SMTP_PORT": "abc"}, "SENIM_SMTP_PORT"),
    ({"SENIM_SMTP_FROM": None}, "SENIM_SMTP_FROM"),
    ({"SENIM_SMTP_USERNAME": "senim"}, "go together"),
    ({"SENIM_PUBLIC_URL": None}, "SENIM_PUBLIC_URL"),
    ({"SENIM_PUBLIC_URL": "ftp://x"}, "SENIM_PUBLIC_URL"),
    ({"SENIM_PUBLIC_URL": "http://senim.example.org"}, "https://"),
    ({"SENIM_NOTIFY_DIGEST_HOUR": "24"}, "SENIM_NOTIFY_DIGEST_HOUR"),
])
def test_unsafe_smtp_settings_are_refused(tmp_path, overrides, needle):
    env = {**SMTP, **overrides}
    with pytest.raises(SettingsError, match=needle):
        Settings.from_env(production(tmp_path, **env))


def test_plain_smtp_to_this_machine_is_allowed_in_development(tmp_path):
    settings = Settings.from_env({"SENIM_INSTANCE_PATH": str(tmp_path),
                                  "SENIM_SMTP_HOST": "localhost", "SENIM_SMTP_PORT": "25",
                                  "SENIM_SMTP_SECURITY": "none",
                                  "SENIM_SMTP_FROM": "senim@localhost.localdomain",
                                  "SENIM_PUBLIC_URL": "http://127.0.0.1:5000"})
    assert settings.smtp_security == "none"
