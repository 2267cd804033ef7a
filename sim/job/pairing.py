"""What a paired comparison needs of its files, checked before any work is done.

``compare`` runs every scenario on the same random numbers, replication by replication, and
subtracts week from week. That needs two things of the files:

- **The same sales stages, in the same order.** The stages are the team's sales process; a
  comparison weighs options for one team, so a file with other stages is another team, and its
  deals cannot be paired stage by stage. Refused, in one line naming both files and their
  stages (the usual cause: comparing one's own team with a shipped option that extends the
  reference team instead of one's own file).
- **One horizon.** Files with different ``weeks:`` are compared over the weeks they all have,
  the shortest horizon: the simulation looks only backwards, so a scenario's first 13 weeks are
  the same whether it runs 13 weeks or 26. A note says so, and the report repeats it. If a
  programme of a file starts after that shared horizon, there is nothing of it to compare, and
  that is refused.

Other differences (team size, warm-up, programmes, money) are what options are made of and
pass unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.job.spec import JobInvalid
from sim.scenario import Scenario, semantic_problems
from sim.scenario.problems import clean


def _label(scenario: Scenario, file: str | None) -> str:
    return clean(Path(file).name if file else scenario.name or "scenario", 60)


def _stages(scenario: Scenario) -> str:
    names = scenario.stage_names()
    shown = ", ".join(clean(n, 30) for n in names[:8])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 8 else "")


def paired(
    scenarios: Sequence[Scenario], files: Sequence[str] = ()
) -> tuple[list[Scenario], list[str]]:
    """``scenarios`` (baseline first) made ready to compare, and what the user must be told:
    every one over the shortest horizon among them. :class:`JobInvalid` (one line) if they
    cannot be paired: other stages, or a programme that starts after the shared horizon."""
    out = list(scenarios)
    if len(out) < 2:
        return out, []
    named = list(files) + [None] * (len(out) - len(files))
    base, base_file = out[0], named[0]
    for s, f in zip(out[1:], named[1:], strict=True):
        if s.stage_names() != base.stage_names():
            raise JobInvalid(
                f"cannot compare {_label(s, f)} with {_label(base, base_file)}: their sales "
                f"stages differ ({_label(base, base_file)}: {_stages(base)}; {_label(s, f)}: "
                f"{_stages(s)}); a comparison weighs options for one team, so write each option "
                f"as a file that extends {_label(base, base_file)}"
            )
    weeks = min(s.weeks for s in out)
    longer = [(s, f) for s, f in zip(out, named, strict=True) if s.weeks > weeks]
    if not longer:
        return out, []
    shortest = next(_label(s, f) for s, f in zip(out, named, strict=True) if s.weeks == weeks)
    for i, s in enumerate(out):
        if s.weeks == weeks:
            continue
        cut = Scenario.model_validate({**s.model_dump(), "weeks": weeks})
        after = [
            ".".join(str(x) for x in loc[:-1])
            for loc, msg in semantic_problems(cut, spread=False)
            if "-week horizon" in msg
        ]
        if after:
            raise JobInvalid(
                f"cannot compare over the {weeks} weeks all files share ({shortest} runs "
                f"{weeks}): in {_label(s, named[i])}, {after[0]} starts after week {weeks}; "
                "give the files the same weeks:"
            )
        out[i] = cut
    runs = ", ".join(f"{_label(s, f)} {s.weeks}" for s, f in longer)
    note = (
        f"compared over the first {weeks} weeks, the horizon all files share ({shortest} runs "
        f"{weeks} weeks; {runs}): to compare over more weeks, give every file the same weeks:"
    )
    return out, [note]
