"""Field encryption of person records (issue 3): round trips, and every kind of tampering
with the stored ciphertext (moved to another row or column, a flipped bit, a wrapped key
moved to another subject) fails cleanly as an audited integrity alarm."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from casework.models import AuditEvent, Person, SubjectKey
from casework.services import persons, subjects

NAMES_A = ["Айгүл Садыкова", "Aigul Sadykova"]
NAMES_B = ["Қайрат Нұрланов"]


def _pair(ctx):
    a = persons.register(ctx, names=NAMES_A, date_of_birth="17.05.1990",
                         phones=["+7 701 555 12 34", "8 (727) 222-33-44"])
    b = persons.register(ctx, names=NAMES_B, date_of_birth=None, phones=["87017654321"])
    ctx.session.flush()
    return a, b


def _raw_update(ctx, person, **values):
    """Write columns behind the ORM's back (an attacker with database access), then make
    the session forget what it had cached."""
    ctx.session.execute(update(Person.__table__).where(Person.__table__.c.id == person.id)
                        .values(**values))
    ctx.session.expire_all()


def _alarms(ctx):
    return list(ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "crypto.integrity_failure").order_by(AuditEvent.seq)))


def _assert_alarm(ctx, person, *, plaintexts=(), object_type="persons"):
    before = len(_alarms(ctx))
    with pytest.raises(subjects.IntegrityAlarm) as caught:
        persons.read(ctx, person)
    message = f"{caught.value!s} {caught.value!r} {caught.value.args!r}"
    for secret in plaintexts:
        for word in secret.split():
            assert word not in message
    alarms = _alarms(ctx)
    assert len(alarms) == before + 1, "the alarm must be written to the audit trail"
    assert alarms[-1].outcome == "alarm" and alarms[-1].object_type == object_type
    return alarms[-1]


def test_round_trip_of_every_person_field(ctx):
    a, b = _pair(ctx)
    ctx.session.expire_all()
    record = persons.read(ctx, a)
    assert record.names == NAMES_A
    assert record.date_of_birth == "1990-05-17"
    assert record.phones == ["+7 701 555 12 34", "8 (727) 222-33-44"]
    other = persons.read(ctx, b)
    assert other.names == NAMES_B and other.date_of_birth is None
    assert other.phones == ["87017654321"]
    for column in Person.encrypted_columns:
        token = getattr(a, column)
        assert isinstance(token, bytes) and token
        assert b"Aigul" not in token and "Садыкова".encode() not in token


def test_empty_values_round_trip(ctx):
    person = persons.register(ctx, names=[], date_of_birth=None, phones=[])
    ctx.session.expire_all()
    assert persons.read(ctx, person).names == []
    assert persons.read(ctx, person).phones == []


def test_equal_plaintexts_give_different_ciphertexts(ctx):
    a = persons.register(ctx, names=["Same Name"], date_of_birth=None, phones=[])
    b = persons.register(ctx, names=["Same Name"], date_of_birth=None, phones=[])
    assert a.names_ciphertext != b.names_ciphertext
    first = a.names_ciphertext
    persons.write_identity(ctx, a, names=["Same Name"], date_of_birth=None, phones=[])
    assert a.names_ciphertext != first, "a fresh nonce on every write"


def test_ciphertext_moved_to_another_row_raises_an_audited_alarm(ctx):
    a, b = _pair(ctx)
    _raw_update(ctx, b, names_ciphertext=a.names_ciphertext)
    alarm = _assert_alarm(ctx, b, plaintexts=NAMES_A + NAMES_B)
    assert alarm.object_ref == b.public_id
    assert persons.read(ctx, a).names == NAMES_A, "the source row still reads"


def test_whole_row_swap_between_people_raises_alarm(ctx):
    a, b = _pair(ctx)
    values = {c: getattr(a, c) for c in Person.encrypted_columns}
    _raw_update(ctx, b, **values)
    _assert_alarm(ctx, b, plaintexts=NAMES_A)


def test_ciphertext_moved_to_another_column_raises_alarm(ctx):
    a, _ = _pair(ctx)
    _raw_update(ctx, a, phones_ciphertext=a.names_ciphertext)
    _assert_alarm(ctx, a, plaintexts=NAMES_A)


def test_date_of_birth_ciphertext_moved_into_names_raises_alarm(ctx):
    a, _ = _pair(ctx)
    _raw_update(ctx, a, names_ciphertext=a.date_of_birth_ciphertext)
    _assert_alarm(ctx, a, plaintexts=["1990-05-17"])


@pytest.mark.parametrize("where", ["format", "key_version", "nonce", "body", "tag"])
def test_flipped_bit_raises_alarm(ctx, where):
    a, _ = _pair(ctx)
    token = bytearray(a.names_ciphertext)
    index = {"format": 0, "key_version": 4, "nonce": 7, "body": 20,
             "tag": len(token) - 1}[where]
    token[index] ^= 0x01
    _raw_update(ctx, a, names_ciphertext=bytes(token))
    # A changed key version names a data key the subject does not have: the alarm is
    # raised when looking the key up (object type subject_key), never "shredded".
    _assert_alarm(ctx, a, plaintexts=NAMES_A,
                  object_type="subject_key" if where == "key_version" else "persons")


def test_truncated_and_garbage_tokens_raise_alarm(ctx):
    a, _ = _pair(ctx)
    for bad in (a.phones_ciphertext[:-1], a.phones_ciphertext[:10], b"", b"\x00" * 40):
        _raw_update(ctx, a, phones_ciphertext=bad)
        _assert_alarm(ctx, a)


def test_wrapped_key_moved_to_another_subject_raises_alarm(ctx):
    a, b = _pair(ctx)
    key_a = ctx.session.scalar(select(SubjectKey).where(SubjectKey.subject_id == a.subject_id))
    ctx.session.execute(update(SubjectKey.__table__)
                        .where(SubjectKey.__table__.c.subject_id == b.subject_id)
                        .values(wrapped_key=key_a.wrapped_key))
    ctx.session.expire_all()
    alarm = _assert_alarm(ctx, b, plaintexts=NAMES_A + NAMES_B, object_type="subject_key")
    assert alarm.object_ref == b.subject_id
    assert persons.read(ctx, a).names == NAMES_A


def test_flipped_bit_in_wrapped_key_raises_alarm(ctx):
    a, _ = _pair(ctx)
    row = ctx.session.scalar(select(SubjectKey).where(SubjectKey.subject_id == a.subject_id))
    wrapped = bytearray(row.wrapped_key)
    wrapped[-3] ^= 0x80
    ctx.session.execute(update(SubjectKey.__table__)
                        .where(SubjectKey.__table__.c.id == row.id)
                        .values(wrapped_key=bytes(wrapped)))
    ctx.session.expire_all()
    _assert_alarm(ctx, a, object_type="subject_key")


def test_ciphertext_column_set_to_null_is_not_read_as_empty(ctx):
    """Clearing a token (hiding a value) must not read as "no names": it is tampering."""
    a, _ = _pair(ctx)
    _raw_update(ctx, a, names_ciphertext=None)
    _assert_alarm(ctx, a)


def test_alarm_is_logged_without_plaintext(ctx, caplog, capsys):
    a, b = _pair(ctx)
    _raw_update(ctx, b, names_ciphertext=a.names_ciphertext)
    caplog.set_level("DEBUG")
    with pytest.raises(subjects.IntegrityAlarm):
        persons.read(ctx, b)
    captured = caplog.text + "".join(capsys.readouterr())
    assert "crypto.integrity_failure" in caplog.text
    for word in " ".join(NAMES_A + NAMES_B).split():
        assert word not in captured
