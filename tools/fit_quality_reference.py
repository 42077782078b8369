#!/usr/bin/env python3
"""Reference values for tests/quality.rs, computed with scipy independently of our code:
maximum-likelihood fits (location 0; pareto on gaps + 1 with scale 1), log-likelihood as the
sum of scipy's logpdf, AIC, BIC and scipy's kstest statistic. Weibull: scipy's
weibull_min.fit(floc=0) stops at its optimizer's tolerance (about 1e-4), so the shape is the
root of the likelihood equation found with scipy's brentq to 1e-14, checked against
weibull_min.fit (the root's log-likelihood at least as high, the shapes within 1e-3).

  pip install numpy scipy && python3 tools/fit_quality_reference.py > tests/fixtures/quality.json
"""

import argparse
import json


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    return ap.parse_args()


# Parsed before the heavy imports, so --help works without numpy installed.
ARGS = parse_args() if __name__ == "__main__" else None

import numpy as np
from scipy import stats


def cases():
    rng = np.random.default_rng(7)
    return {
        "bursty_gamma": rng.gamma(0.3, 2.0, 400),
        "poisson": rng.exponential(0.5, 600),
        "heavy_tail": stats.lomax.rvs(1.5, size=300, random_state=rng),
        "few": np.array([0.4, 1.3, 0.2, 2.5, 0.9]),
        "weibull": 3.0 * rng.weibull(0.6, 500),
    }


def weibull_mle(g):
    """The shape solving sum(x^k ln x)/sum(x^k) - 1/k - mean(ln x) = 0, and its scale."""
    from scipy.optimize import brentq
    lx = np.log(g)
    y = lx - lx.max()

    def score(k):
        w = np.exp(k * y)
        return (w * lx).sum() / w.sum() - 1 / k - lx.mean()

    k = brentq(score, 1e-3, 1e3, xtol=1e-14, rtol=1e-15)
    scale = (np.mean(g ** k)) ** (1 / k)
    c, _, s = stats.weibull_min.fit(g, floc=0)
    ll_root = stats.weibull_min.logpdf(g, k, 0, scale).sum()
    assert ll_root >= stats.weibull_min.logpdf(g, c, 0, s).sum() - 1e-9
    assert abs(c / k - 1) < 1e-3, (c, k)
    return k, scale


def main():
    out = {}
    for name, g in cases().items():
        n = len(g)
        fits = {}
        m = g.mean()
        ll = stats.expon.logpdf(g, 0, m).sum()
        fits["exponential"] = dict(k=1, loglik=ll, ks=stats.kstest(g, "expon", args=(0, m)).statistic)
        a, _, s = stats.gamma.fit(g, floc=0)
        ll = stats.gamma.logpdf(g, a, 0, s).sum()
        fits["gamma"] = dict(k=2, loglik=ll, ks=stats.kstest(g, "gamma", args=(a, 0, s)).statistic, shape=a, scale=s)
        k, lam = weibull_mle(g)
        ll = stats.weibull_min.logpdf(g, k, 0, lam).sum()
        fits["weibull"] = dict(k=2, loglik=ll, ks=stats.kstest(g, "weibull_min", args=(k, 0, lam)).statistic, shape=k, scale=lam)
        b, _, _ = stats.pareto.fit(g + 1, floc=0, fscale=1)
        ll = stats.pareto.logpdf(g + 1, b, 0, 1).sum()
        fits["pareto"] = dict(k=1, loglik=ll, ks=stats.kstest(g + 1, "pareto", args=(b, 0, 1)).statistic, shape=b)
        for f in fits.values():
            f["aic"] = 2 * f["k"] - 2 * f["loglik"]
            f["bic"] = f["k"] * np.log(n) - 2 * f["loglik"]
        best = min(fits, key=lambda k: fits[k]["aic"])
        out[name] = dict(gaps=g.tolist(), fits={k: {kk: float(vv) for kk, vv in v.items()} for k, v in fits.items()}, best=best)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
