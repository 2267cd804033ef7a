"""Value of information and the two kinds of uncertainty, as pure functions of draws.

The input is a table of net benefits: one row per draw of the uncertain parameters (what we do
not know about the world), one column per option (for example "no outside coach" and "outside
coach"), each the mean over a draw's replications (this team's luck averaged out).

- :func:`evpi`: the expected value of perfect information, ``E[max_d NB] - max_d E[NB]``, what
  knowing every uncertain parameter before deciding would be worth; computed from each draw's
  mean net benefit, it still holds that mean's luck and so is an upper bound.
  :func:`learnable_evpi`: the same with the luck taken out, by the jackknife over each draw's
  replications.
- :func:`evppi`: the same for one parameter, by regressing each option's net benefit on it
  (Strong, Oakley and Brennan 2014, with a least-squares cubic spline where they use a GAM).
- :func:`variance_split`: the variance of a net benefit split into what the parameters explain
  and what is luck (one-way analysis of variance over draws x replications; O'Hagan, Stevenson
  and Madan 2007).
- :func:`acceptability`: P(NPV > 0) and expected NPV against a fee, re-costed, not re-run;
  :func:`break_even`: where the expected net benefit given one parameter crosses zero, and
  :func:`break_even_interval`: its bootstrap interval.
- :func:`sobol`: first- and total-order Sobol indices of a Saltelli design, the outputs' noise
  taken out.
- :func:`evsi`: the expected value of sample information of a study (a pilot), by regressing
  each option's net benefit on the study's simulated summary, one study per draw (Strong, Oakley,
  Brennan and Breeze 2015); :func:`gaussian_evsi`: the Gaussian approximation from an EVPPI fit
  (Jalal and Alarid-Escudero 2018), the check on it.
- :func:`normal_evpi` and :func:`normal_evsi`: the closed forms for two options whose
  incremental net benefit is normal (with a normal sample mean for EVSI), which the tests hold the
  estimators to.

:mod:`sim.experiment.findings` applies them to a comparison's draws.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import make_lsq_spline
from scipy.special import ndtr


def evpi(net_benefit: np.ndarray) -> float:
    """Expected value of perfect information of a (draws x options) table of net benefits."""
    nb = np.asarray(net_benefit, dtype=float)
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def learnable_evpi(values: np.ndarray) -> float | None:
    """EVPI of adopting against keeping the baseline, from a (draws x replications) table of the
    incremental net benefit, with the replications' luck taken out: what knowing every
    uncertain input, not the team's luck, would be worth. ``None`` with one replication a draw.

    :func:`evpi` of the draws' means is ``E[max(0, g + e)]`` where ``g`` is a draw's true net
    benefit and ``e`` the luck left in the mean of its ``r`` replications (variance
    ``sigma^2 / r``). For small luck the excess over ``E[max(0, g)]`` is about
    ``sigma^2 / (2 r) * density of g at 0``: a bias of order ``1/r``, which the jackknife over
    replications removes (``r`` times the estimate from all of them, less ``r - 1`` times the
    mean of the estimates leaving one out), leaving one of order ``1/r^2``.

    Why not a regression of the net benefit on the inputs (Strong, Oakley and Brennan 2014), as
    for :func:`evppi`: the value of knowing *all* the inputs needs the net benefit as a function
    of all of them, and a few hundred draws do not pin that down. On the shipped unproven
    coach's 512 draws, the inputs explain 89% of one run's variance (:func:`variance_split`,
    4 replications a draw), but an additive cubic fit with ridge, with or without pairwise
    products, explained 27 to 32% out of sample, so it would put most of what can be learnt down
    to chance. The replications measure the luck without a model of the rest.
    """
    v = np.asarray(values, dtype=float)
    reps = v.shape[1]
    if reps < 2:
        return None
    total = v.sum(axis=1)
    full = np.maximum(total / reps, 0.0).mean()
    left_out = np.mean(
        [np.maximum((total - v[:, k]) / (reps - 1), 0.0).mean() for k in range(reps)]
    )
    # The jackknife can overshoot below 0 when the luck is as large as the draws' spread and the
    # decision nearly sure; the value of information never is.
    return max(0.0, float(reps * full - (reps - 1) * left_out - max(0.0, total.mean() / reps)))


def normal_evpi(mean: float, sd: float) -> float:
    """EVPI of choosing between 0 and an incremental net benefit ~ Normal(mean, sd):
    ``E[max(X, 0)] - max(E[X], 0)``."""
    if sd == 0.0:
        return 0.0
    z = mean / sd
    phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return float(sd * phi + mean * ndtr(z) - max(mean, 0.0))


def smooth(x: np.ndarray, y: np.ndarray, knots: int) -> np.ndarray:
    """Fitted values of a least-squares cubic spline of ``y`` on ``x`` (knots at quantiles)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    inner = np.unique(np.quantile(xs, np.linspace(0, 1, knots + 2)[1:-1]))
    inner = inner[(inner > xs[0]) & (inner < xs[-1])]
    k = 3
    t = np.r_[(xs[0],) * (k + 1), inner, (xs[-1],) * (k + 1)]
    try:
        spline = make_lsq_spline(xs, ys, t, k=k)
    except (ValueError, np.linalg.LinAlgError):  # too few distinct values: a straight line
        coef = np.polyfit(xs, ys, 1)
        fitted_sorted = np.polyval(coef, xs)
    else:
        fitted_sorted = spline(xs)
    fitted = np.empty_like(fitted_sorted)
    fitted[order] = fitted_sorted
    return fitted


def fit_knots(draws: int, knots: int = 6) -> int:
    """Interior knots of a spline fitted to ``draws`` points: at most ``knots``, and at least 20
    points per coefficient (none, a plain cubic, below 100 points)."""
    return max(0, min(knots, draws // 20 - 4))


def evppi(net_benefit: np.ndarray, parameter: np.ndarray, knots: int = 6) -> float:
    """Expected value of perfect information about one parameter: ``E_p[max_d E[NB_d | p]] -
    max_d E[NB_d]``, the conditional expectations estimated by a spline regression of each
    option's net benefit on the parameter's draws. Never negative, at most :func:`evpi` up to
    estimation error. The spline has at most ``knots`` interior knots and at least 20 draws per
    coefficient (a plain cubic below 100 draws): a flexible fit to few draws overfits, and
    overfitting biases the estimate up."""
    nb = np.asarray(net_benefit, dtype=float)
    p = np.asarray(parameter, dtype=float)
    knots = fit_knots(len(p), knots)
    fitted = np.column_stack([smooth(p, nb[:, d], knots) for d in range(nb.shape[1])])
    return max(0.0, float(fitted.max(axis=1).mean() - fitted.mean(axis=0).max()))


def normal_evsi(prior_mean: float, prior_sd: float, sample_sd: float, n: float) -> float:
    """EVSI of ``n`` observations (each of standard deviation ``sample_sd``) of an incremental
    net benefit ``theta ~ Normal(prior_mean, prior_sd)``, choosing between 0 and ``theta`` after
    seeing their mean. The posterior mean is, before the study, Normal(prior_mean, prior_sd *
    sqrt(n / (n + n0))) with ``n0 = (sample_sd / prior_sd) ** 2`` (Raiffa and Schlaifer), so EVSI
    is :func:`normal_evpi` of that: 0 with no data, EVPI with endless data."""
    if n <= 0 or prior_sd == 0.0:
        return 0.0
    n0 = (sample_sd / prior_sd) ** 2
    return normal_evpi(prior_mean, prior_sd * math.sqrt(n / (n + n0)))


def evsi(net_benefit: np.ndarray, summary: np.ndarray, knots: int = 6) -> float:
    """EVSI of a study by the regression method (Strong, Oakley, Brennan and Breeze 2015): with
    one study simulated per draw of the uncertain parameters and reduced to ``summary`` (say the
    uplift its data would show), ``E_T[max_d E[NB_d | T]] - max_d E[NB_d]``, each conditional
    expectation a spline regression of the option's net benefit on the summary: :func:`evppi`
    with the study's summary in place of a parameter. A summary that tells nothing gives 0; one
    that reveals the parameters gives EVPI."""
    return evppi(net_benefit, summary, knots)


def gaussian_evsi(
    net_benefit: np.ndarray, parameter: np.ndarray, n: float, n0: float, knots: int = 6
) -> float:
    """The Gaussian approximation of the EVSI of a study of ``n`` observations about
    ``parameter`` whose prior is worth ``n0`` observations (Jalal and Alarid-Escudero 2018):
    the EVPPI regression's fitted values pulled toward their mean so their variance shrinks by
    ``n / (n + n0)``, as a normal posterior mean's does before the study."""
    nb = np.asarray(net_benefit, dtype=float)
    p = np.asarray(parameter, dtype=float)
    knots = fit_knots(len(p), knots)
    fitted = np.column_stack([smooth(p, nb[:, d], knots) for d in range(nb.shape[1])])
    shrink = math.sqrt(n / (n + n0)) if n > 0 else 0.0
    pulled = fitted.mean(axis=0) + shrink * (fitted - fitted.mean(axis=0))
    return max(0.0, float(pulled.max(axis=1).mean() - pulled.mean(axis=0).max()))


@dataclass(frozen=True)
class VarianceSplit:
    """The variance of one replication's net benefit, by source."""

    parameters: float
    """What the uncertain parameters explain: the variance of the draws' true means."""
    luck: float
    """This team's luck: the variance between replications of one draw."""

    @property
    def share_parameters(self) -> float:
        """The parameters' share of the total."""
        total = self.parameters + self.luck
        return self.parameters / total if total > 0 else math.nan


def variance_split(values: np.ndarray) -> VarianceSplit:
    """Split a (draws x replications) table of net benefits by one-way random-effects analysis
    of variance: luck is the within-draw mean square; the parameters' part is the between-draw
    mean square less luck over the replications per draw (at least 0)."""
    v = np.asarray(values, dtype=float)
    draws, reps = v.shape
    if draws < 2 or reps < 2:
        raise ValueError("need at least 2 draws and 2 replications per draw")
    means = v.mean(axis=1)
    within = float(((v - means[:, None]) ** 2).sum() / (draws * (reps - 1)))
    between = float(reps * ((means - means.mean()) ** 2).sum() / (draws - 1))
    return VarianceSplit(parameters=max(0.0, (between - within) / reps), luck=within)


def acceptability(
    npv: np.ndarray, fees_pv: np.ndarray, fee: float, fees: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(P(NPV > 0) expected over luck, expected NPV) at each fee in ``fees``, from (draws x
    replications) tables of NPV and of the present value of the fees at ``fee``. Fees are linear
    in the fee, so the runs are re-costed, not re-run."""
    npv = np.asarray(npv, dtype=float)
    fees_pv = np.asarray(fees_pv, dtype=float)
    probs, means = [], []
    for f in np.asarray(fees, dtype=float):
        at = (npv - fees_pv * (f / fee - 1.0)).mean(axis=1)
        probs.append(float((at > 0).mean()))
        means.append(float(at.mean()))
    return np.array(probs), np.array(means)


def break_even(net: np.ndarray, parameter: np.ndarray, knots: int = 0) -> float | None:
    """The parameter value at which the expected net benefit, given the parameter (the others
    varying over their ranges), crosses zero: from a regression like :func:`evppi`'s, on a grid
    of 200 values; ``None`` if it does not cross in the range drawn. A cubic by default: a
    flexible fit puts the crossing wherever noise wiggles it (with 1000 draws a 6-knot spline
    had twice a cubic's spread, and its bootstrap intervals covered 70%, not 95%)."""
    net = np.asarray(net, dtype=float)
    p = np.asarray(parameter, dtype=float)
    knots = fit_knots(len(p), knots)
    fitted = smooth(p, net, knots)
    order = np.argsort(p, kind="stable")
    xs, ys = p[order], fitted[order]
    grid = np.linspace(xs[0], xs[-1], 200)
    return first_crossing(grid, np.interp(grid, xs, ys))


def first_crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    """Where ``y`` (a curve over ``x``) first changes sign, interpolated between the points on
    either side (``x`` sorted first); None if it never does."""
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    sign = np.sign(ys)
    cross = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    if len(cross) == 0:
        return None
    i = int(cross[0])
    x0, x1, y0, y1 = xs[i], xs[i + 1], ys[i], ys[i + 1]
    return float(x0 - y0 * (x1 - x0) / (y1 - y0))


def break_even_interval(
    net: np.ndarray, parameter: np.ndarray, seed: int, resamples: int = 200, knots: int = 0
) -> tuple[float, float] | None:
    """A 95% percentile-bootstrap interval of :func:`break_even` (draws resampled with
    replacement); ``None`` when fewer than 95% of the resamples find a crossing, so the
    break-even itself is in doubt. Covered a planted threshold in 38 of 40 data sets of 1000
    draws."""
    net = np.asarray(net, dtype=float)
    p = np.asarray(parameter, dtype=float)
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(resamples):
        i = rng.integers(0, len(p), len(p))
        b = break_even(net[i], p[i], knots)
        if b is not None:
            found.append(b)
    if len(found) < 0.95 * resamples:
        return None
    low, high = np.quantile(found, [0.025, 0.975])
    return float(low), float(high)


@dataclass(frozen=True)
class SobolIndices:
    """First- and total-order Sobol indices of one output, per input, with 95% intervals."""

    first: np.ndarray
    first_interval: np.ndarray
    """(inputs x 2): low, high."""
    total: np.ndarray
    total_interval: np.ndarray


def _sobol_estimates(
    f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """First order (Saltelli 2010) and total order (Jansen), with the outputs' own noise
    variance ``noise`` taken out of the total variance and of Jansen's numerator."""
    var = float(np.var(np.concatenate([f_a, f_b]))) - noise
    if not var > 0:
        nan = np.full(f_ab.shape[0], np.nan)
        return nan, nan
    first = np.mean(f_b * (f_ab - f_a), axis=1) / var
    total = (0.5 * np.mean((f_a - f_ab) ** 2, axis=1) - noise) / var
    return first, total


def sobol(
    y: np.ndarray, n: int, inputs: int, seed: int, noise: float = 0.0, resamples: int = 200
) -> SobolIndices:
    """Sobol indices from the outputs ``y`` of a Saltelli design laid out as
    :func:`sim.scenario.uncertain.make_sobol_design` lays it out (A, B, then A with each column
    from B), with percentile-bootstrap 95% intervals (rows of the design resampled).

    The estimators are Saltelli's (2010) for the first order and Jansen's for the total, as
    ``scipy.stats.sobol_indices`` computes them, written out here for one reason: a simulation's
    output is noisy (each draw's NPV is a mean over a few replications, and their luck is
    independent between draws), and that noise, of variance ``noise``, inflates the total
    variance and every total-order index (Jansen's numerator is half the mean squared
    difference of two noisy outputs). Both are corrected by subtracting it."""
    y = np.asarray(y, dtype=float)
    f_a, f_b = y[:n], y[n : 2 * n]
    f_ab = y[2 * n :].reshape(inputs, n)
    first, total = _sobol_estimates(f_a, f_b, f_ab, noise)
    rng = np.random.default_rng(seed)
    boots_first, boots_total = [], []
    for _ in range(resamples):
        i = rng.integers(0, n, n)
        bf, bt = _sobol_estimates(f_a[i], f_b[i], f_ab[:, i], noise)
        boots_first.append(bf)
        boots_total.append(bt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns give nan intervals
        first_ci = np.nanquantile(np.array(boots_first), [0.025, 0.975], axis=0).T
        total_ci = np.nanquantile(np.array(boots_total), [0.025, 0.975], axis=0).T
    return SobolIndices(first, first_ci, total, total_ci)
