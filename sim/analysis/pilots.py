"""A pilot as a cluster-randomised trial: the power of a team-level analysis, in closed form.

Reps share a manager, a territory and a calendar, so a pilot randomises managers' teams, not reps
(``../shared/DECISIONS.md``, section 1). With ``m`` reps per team and intra-cluster correlation
``rho``, a team's mean outcome has variance ``sigma**2 * (rho + (1 - rho) / m)``; the pilot is
analysed on team means, coached against not, a two-sample t test with ``k1 + k0 - 2`` degrees of
freedom. :func:`cluster_power` is that test's power, the yardstick a simulated pilot's power is
checked against; :func:`design_effect` is the variance inflation of clustering; :func:`icc1`
estimates the intra-cluster correlation from a team's reps (a CRM's pre-period, or a simulated
team), as no published figure for sales teams was found.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def design_effect(reps_per_team: int, icc: float) -> float:
    """The variance inflation of randomising teams of ``reps_per_team`` instead of reps:
    ``1 + (m - 1) * rho``."""
    return 1.0 + (reps_per_team - 1) * icc


def cluster_power(
    coached_teams: int,
    other_teams: int,
    reps_per_team: int,
    icc: float,
    effect_sd: float,
    alpha: float = 0.05,
    baseline_r: float = 0.0,
) -> float:
    """Two-sided power of a t test on team means to detect an effect of ``effect_sd`` standard
    deviations of a rep's outcome, ``coached_teams`` against ``other_teams``.

    A team mean's variance is ``rho + (1 - rho) / m`` (in units of a rep's variance), times ``1 -
    baseline_r**2`` when each team's own baseline period is adjusted for (``baseline_r``: the
    correlation of a team's baseline and pilot means); the test statistic is noncentral t with
    ``k1 + k0 - 2`` degrees of freedom."""
    if coached_teams < 1 or other_teams < 1 or coached_teams + other_teams < 3:
        raise ValueError("a pilot needs at least one team in each arm and three in all")
    team_var = (icc + (1.0 - icc) / reps_per_team) * (1.0 - baseline_r**2)
    se = math.sqrt(team_var * (1.0 / coached_teams + 1.0 / other_teams))
    df = coached_teams + other_teams - 2
    critical = float(stats.t.ppf(1.0 - alpha / 2.0, df))
    shift = effect_sd / se
    return float(stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift))


def icc1(values: Sequence[float], teams: Sequence[object]) -> float:
    """ICC(1) of rep outcomes ``values`` grouped by ``teams``, from a one-way analysis of
    variance: ``(BMS - WMS) / (BMS + (k - 1) WMS)`` with ``k`` the mean team size (adjusted for
    unequal sizes, ``k0``). Negative estimates (less between-team spread than chance gives) are
    kept: they say the data show no clustering. Needs two teams and a rep more than teams."""
    y = np.asarray(values, dtype=float)
    labels = np.asarray([str(t) for t in teams])
    names, index = np.unique(labels, return_inverse=True)
    groups, n = len(names), len(y)
    if groups < 2 or n <= groups:
        raise ValueError("ICC needs at least two teams and more reps than teams")
    sizes = np.bincount(index)
    means = np.bincount(index, weights=y) / sizes
    between = float((sizes * (means - y.mean()) ** 2).sum() / (groups - 1))
    within = float(((y - means[index]) ** 2).sum() / (n - groups))
    k0 = (n - float((sizes**2).sum()) / n) / (groups - 1)
    denominator = between + (k0 - 1.0) * within
    return (between - within) / denominator if denominator > 0 else math.nan
