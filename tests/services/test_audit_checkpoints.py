"""Signed checkpoints catch what the chain alone cannot: a cut tail with the head rolled back."""

from __future__ import annotations

from sqlalchemy import delete, select

from casework.domain.audit_chain import BreakReason
from casework.models import AuditChainHead, AuditEvent, AuditRoot
from casework.services import audit, audit_checkpoints


def _events(ctx, n):
    for i in range(n):
        ctx.audit("test.event", object_ref=str(i))
    ctx.session.flush()


def test_cut_tail_with_head_rolled_back_is_caught(ctx):
    _events(ctx, 5)
    checkpoint = audit_checkpoints.make(ctx.session, ctx.keys, now=ctx.now)
    assert audit_checkpoints.check(ctx.session, ctx.keys, checkpoint).ok
    _events(ctx, 3)
    assert audit_checkpoints.check(ctx.session, ctx.keys, checkpoint).ok  # still contains it
    # An insider with database write access cuts everything after entry 3 and rolls the
    # head back so that the chain on its own still verifies.
    entry3 = ctx.session.scalar(select(AuditEvent).where(AuditEvent.seq == 3))
    ctx.session.execute(delete(AuditEvent).where(AuditEvent.seq > 3))
    head = ctx.session.get(AuditChainHead, audit.CHAIN)
    head.seq, head.mac = 3, entry3.mac
    ctx.session.flush()
    # The checkpoint was also stored as a signed root: verification alone catches the cut.
    report = audit.verify(ctx.session, ctx.keys)
    assert (report.ok, report.first_broken_seq, report.reason) == (
        False, 4, BreakReason.ROOT_MISMATCH)
    # If the insider deletes the stored roots too, only the copy kept elsewhere shows it.
    ctx.session.execute(delete(AuditRoot))
    assert audit.verify(ctx.session, ctx.keys).ok
    result = audit_checkpoints.check(ctx.session, ctx.keys, checkpoint)
    assert not result.ok and "cut" in result.reason


def test_forged_or_edited_checkpoint_is_refused(ctx):
    _events(ctx, 2)
    checkpoint = audit_checkpoints.make(ctx.session, ctx.keys, now=ctx.now)
    lines = checkpoint.splitlines()
    lines[1] = "1"  # claims a shorter chain
    assert not audit_checkpoints.check(ctx.session, ctx.keys, "\n".join(lines) + "\n").ok
    assert not audit_checkpoints.check(ctx.session, ctx.keys, "garbage").ok


def test_cli_checkpoint_and_verify(app, tmp_path):
    runner = app.test_cli_runner()
    for _ in range(3):  # each verification is itself recorded: a chain of three entries
        assert runner.invoke(args=["senim", "audit", "verify"]).exit_code == 0
    out = tmp_path / "checkpoint.txt"
    made = runner.invoke(args=["senim", "audit", "checkpoint", "--out", str(out)])
    assert made.exit_code == 0 and out.read_text().startswith("senim/audit\n")
    ok = runner.invoke(args=["senim", "audit", "verify", "--checkpoint", str(out)])
    assert ok.exit_code == 0, ok.output
    from casework.extensions import db

    with app.app_context():
        seq = int(out.read_text().splitlines()[1])
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq >= seq))
        head = db.session.get(AuditChainHead, audit.CHAIN)
        previous = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq - 1))
        head.seq, head.mac = seq - 1, previous.mac
        db.session.commit()
    cut = runner.invoke(args=["senim", "audit", "verify", "--checkpoint", str(out)])
    assert cut.exit_code == 1 and "cut" in cut.output
