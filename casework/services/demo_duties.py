"""A living demo (issue 10): the day's work for every role, made the way real work is.

- The liaison records the police unit's feedback that a suspect was released: the first
  person's staff get the urgent safety task and a safety-plan review (rule 112).
- The psychologist and the legal adviser work with her too (they cleared and advised
  her), so the urgent task escalates to them when nobody acknowledges it.
- The second person's safety plan is due for review in five days; the legal adviser's
  witness-protection review of the first person in six.
- The roster (``demo_disclosure``) leaves the last two of the next 14 days uncovered: the
  director's gap. Thematic entries still wait for their privacy review: the on-duty
  liaison's.

Then the duties are evaluated once, so the tasks exist before the scheduler first runs.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.domain.casenotes import NoteKind
from casework.domain.legal import WITNESS_NOTICES, Concern
from casework.domain.roles import Role
from casework.models import DisclosurePackage, Person, Staff
from casework.services import access, casenotes, clock, duties, feedback, legal
from casework.services.context import Ctx


def load(ctx: Ctx, staff: dict[Role, list[Staff]]) -> None:
    caseworker, liaison = staff[Role.CASEWORKER][0], staff[Role.LIAISON][0]
    psychologist, adviser = staff[Role.PSYCHOLOGIST][0], staff[Role.LEGAL_ADVISER][0]
    first, second = list(ctx.session.scalars(select(Person).order_by(Person.id).limit(2)))
    for member in (psychologist, adviser):
        access.assign(ctx.as_actor(caseworker.public_id), first, member)
    package = ctx.session.scalar(select(DisclosurePackage).order_by(DisclosurePackage.id))
    if package is not None:
        feedback.record(ctx.as_actor(liaison.public_id), package, "release",
                        "The suspect was released on bail this morning.")
    cw = ctx.as_actor(caseworker.public_id)
    today = clock.today(cw)
    casenotes.add(cw, second, kind=NoteKind.SAFETY_PLAN,
                  body="Calls her caseworker every evening; avoids the old workplace.",
                  occurred_on=today, review_on=today + timedelta(days=5))
    legal.record_witness_review(
        ctx.as_actor(adviser.public_id), first,
        concerns={c.value: "Discussed; she wants to wait for the hearing date."
                  for c in Concern},
        measures={}, recommendation="Ask for testimony by video link.",
        persons_view="Would testify only from another room.",
        next_deadline=today + timedelta(days=6), notices_told=frozenset(WITNESS_NOTICES))
    duties.evaluate(ctx)
