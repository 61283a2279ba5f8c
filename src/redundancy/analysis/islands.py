"""Multiple solutions: islands (connected components) of the good set.

Two ways to find islands in a population table:

- ``method="grid"``: the table is a grid sweep. Each parameter's distinct
  values are its grid levels, the good set becomes a boolean d-dimensional
  array and :func:`scipy.ndimage.label` finds its connected components.
  ``connectivity`` 1 joins cells that share a face, ``d`` also joins cells
  that share only a corner. Neighbouring levels count as adjacent whatever
  their spacing. When the table varies parameters that are not analysed, a
  cell is good if any of its rows is good (a projection of the good set).
- ``method="dbscan"`` or ``"hdbscan"``: the table is a random sweep. The good
  rows, in the unit cube (log parameters in log space), are clustered with
  scikit-learn's DBSCAN (Ester et al. 1996) or HDBSCAN (Campello et al.
  2013). At most ``max_points`` good rows (default 20,000) are clustered,
  drawn at random, because DBSCAN's neighbourhood queries grow faster than
  linearly with the number of points. Every other good row then joins the
  cluster of its nearest clustered core point if that point lies within
  ``eps``, and is noise (label -1) otherwise.

Each island reports its size (good rows), the fraction of good rows in it,
its centroid (mean in the unit cube, i.e. the geometric mean for log
parameters) and its bounding box, in natural units.

References:
    Ester M, Kriegel HP, Sander J, Xu X (1996). A density-based algorithm for
    discovering clusters in large spatial databases with noise. Proc KDD-96,
    226-231.
    Campello RJGB, Moulavi D, Sander J (2013). Density-based clustering based
    on hierarchical density estimates. PAKDD 2013, LNCS 7819:160-172.
    Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.spatial import cKDTree

from redundancy.analysis.islands_result import Island, Islands
from redundancy.analysis.table_space import TableSpace, resolve_space, within_mask
from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace

__all__ = ["Island", "Islands", "islands"]

logger = logging.getLogger(__name__)

IslandMethod = Literal["grid", "dbscan", "hdbscan"]

#: Largest grid (in cells) that ``method="grid"`` builds.
MAX_GRID_CELLS = 50_000_000
# Good rows kept with each result for plotting.
_PLOT_POINTS = 5_000


def islands(
    table: pd.DataFrame,
    parameters: ParameterSpace | Sequence[str] | None,
    good_mask: np.ndarray | pd.Series | Any,
    method: IslandMethod = "grid",
    *,
    log_scale: Sequence[str] = (),
    connectivity: int = 1,
    min_size: int = 1,
    eps: float | None = None,
    min_samples: int | None = None,
    max_points: int = 20_000,
    seed: int = 0,
) -> Islands:
    """Find the islands of the good set in a grid or random sweep.

    Args:
        table: population table with one column per parameter, natural units.
        parameters: a :class:`~redundancy.ParameterSpace` (its bounds define
            the unit cube), a list of column names (bounded by the table's
            smallest and largest values), or None for every numeric column.
        good_mask: boolean mask of good rows, or a
            :class:`~redundancy.analysis.criteria.GoodSet`.
        method: ``"grid"`` for a grid sweep, ``"dbscan"`` or ``"hdbscan"`` for
            a random sweep.
        log_scale: names treated as log parameters when ``parameters`` is a
            list of names.
        connectivity: grid method only; 1 (faces) up to d (corners).
        min_size: islands with fewer good rows are dropped (their rows become
            noise).
        eps: DBSCAN neighbourhood radius in unit-cube units, also the largest
            distance at which a row that was not clustered joins a cluster.
            Default: twice the 95th percentile, over the clustered points, of
            the distance to the ``min_samples``-th nearest point (itself
            included), after the k-distance plot of Ester et al. (1996). Gaps
            narrower than ``eps`` do not separate islands.
        min_samples: DBSCAN/HDBSCAN density threshold, default ``max(4, 2 d)``.
            HDBSCAN's smallest cluster is the larger of ``min_samples`` and
            0.5 % of the clustered points.
        max_points: most good rows clustered by DBSCAN/HDBSCAN; the rest are
            assigned to the nearest cluster afterwards.
        seed: seed of the subsample.

    Returns:
        An :class:`Islands` result.

    Raises:
        InputError: for an unknown method, a table that is not a grid sweep
            (grid method), a bad connectivity or a mask of the wrong length.

    References:
        Ester M et al. (1996). Proc KDD-96, 226-231.
        Campello RJGB, Moulavi D, Sander J (2013). PAKDD 2013, 160-172.
    """
    if method not in ("grid", "dbscan", "hdbscan"):
        raise InputError(
            f"unknown method {method!r}; use 'grid', 'dbscan' or 'hdbscan'"
        )
    space = resolve_space(table, parameters, log_scale)
    good = within_mask(good_mask, len(table))
    values = space.natural(table)
    good &= np.all(np.isfinite(values), axis=1)
    d = len(space.names)
    labels = np.full(len(table), -1, dtype=np.int64)
    settings: dict[str, Any] = {"min_size": int(min_size)}
    logger.info(
        "finding islands of %d good rows of %d (%s)", good.sum(), len(table), method
    )
    if good.any():
        if method == "grid":
            if not 1 <= connectivity <= d:
                raise InputError(
                    f"connectivity must be between 1 (faces) and {d} (corners), "
                    f"got {connectivity}"
                )
            settings["connectivity"] = int(connectivity)
            settings["grid_shape"] = _grid_labels(
                space, values, good, connectivity, labels
            )
        else:
            min_samples = int(min_samples or max(4, 2 * d))
            settings.update(
                _cluster_labels(
                    space,
                    values,
                    good,
                    method,
                    eps,
                    min_samples,
                    max_points,
                    seed,
                    labels,
                )
            )
    labels = _relabel_by_size(labels, min_size)
    return _summarise(space, table, values, good, labels, method, settings, seed)


def _grid_labels(
    space: TableSpace,
    values: np.ndarray,
    good: np.ndarray,
    connectivity: int,
    labels: np.ndarray,
) -> list[int]:
    """Label good rows by connected component of the grid; return the grid shape."""
    finite = np.all(np.isfinite(values), axis=1)
    unit = np.round(space.to_unit(values[finite]), 9)
    indices = np.empty(unit.shape, dtype=np.int64)
    shape = []
    for j in range(len(space.names)):
        levels, indices[:, j] = np.unique(unit[:, j], return_inverse=True)
        shape.append(len(levels))
    cells = int(np.prod(shape, dtype=float))
    n_points = 0
    if cells <= MAX_GRID_CELLS:
        n_points = len(np.unique(np.ravel_multi_index(tuple(indices.T), shape)))
    if cells > MAX_GRID_CELLS or cells > 2 * max(n_points, 1):
        counts = ", ".join(f"{n}: {k}" for n, k in zip(space.names, shape, strict=True))
        raise InputError(
            f"the table is not a grid sweep: the distinct values per parameter "
            f"({counts}) span {cells} cells but the table has {n_points} distinct "
            "parameter sets; use method='dbscan' or 'hdbscan' for random sweeps"
        )
    grid = np.zeros(shape, dtype=bool)
    good_finite = good[finite]
    grid[tuple(indices[good_finite].T)] = True
    structure = ndimage.generate_binary_structure(len(shape), connectivity)
    component, _ = ndimage.label(grid, structure=structure)
    row_labels = component[tuple(indices.T)] - 1
    labels[np.flatnonzero(finite)] = np.where(good_finite, row_labels, -1)
    return shape


def _cluster_labels(
    space: TableSpace,
    values: np.ndarray,
    good: np.ndarray,
    method: str,
    eps: float | None,
    min_samples: int,
    max_points: int,
    seed: int,
    labels: np.ndarray,
) -> dict[str, Any]:
    """Cluster a subsample of good rows and assign every good row to a cluster."""
    from sklearn.cluster import DBSCAN, HDBSCAN

    good_rows = np.flatnonzero(good)
    points = space.to_unit(values[good_rows])
    rng = np.random.default_rng(seed)
    if len(points) > max_points:
        logger.info("clustering a random subsample of %d of %d good rows",
                    max_points, len(points))  # fmt: skip
        chosen = np.sort(rng.choice(len(points), size=max_points, replace=False))
    else:
        chosen = np.arange(len(points))
    sample = points[chosen]
    k = min(min_samples, len(sample))
    tree = cKDTree(sample)
    k_distance = tree.query(sample, k=k)[0]
    k_distance = k_distance[:, -1] if k_distance.ndim == 2 else k_distance
    radius = float(eps) if eps is not None else 2 * float(np.quantile(k_distance, 0.95))
    if radius <= 0:
        raise InputError(f"eps must be positive, got {radius}")
    if len(sample) < min_samples:
        return {"eps": radius, "min_samples": min_samples, "clustered": len(sample)}
    if method == "dbscan":
        fitted = DBSCAN(eps=radius, min_samples=min_samples).fit(sample)
        anchors = fitted.core_sample_indices_
    else:
        min_cluster_size = max(min_samples, len(sample) // 200)
        fitted = HDBSCAN(
            min_cluster_size=min_cluster_size, min_samples=min_samples, copy=True
        ).fit(sample)
        anchors = np.flatnonzero(fitted.labels_ >= 0)
    sample_labels = fitted.labels_
    if len(anchors):
        distance, nearest = cKDTree(sample[anchors]).query(points, k=1)
        assigned = np.where(distance <= radius, sample_labels[anchors][nearest], -1)
        assigned[chosen] = sample_labels  # clustered rows keep their own label
        labels[good_rows] = assigned
    return {"eps": radius, "min_samples": min_samples, "clustered": len(sample)}


def _relabel_by_size(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Renumber islands 0, 1, ... by decreasing size, dropping small ones."""
    found = labels >= 0
    if not found.any():
        return labels
    counts = np.bincount(labels[found])
    keep = np.flatnonzero(counts >= max(min_size, 1))
    order = keep[np.argsort(-counts[keep], kind="stable")]
    mapping = np.full(counts.size, -1, dtype=np.int64)
    mapping[order] = np.arange(order.size)
    relabelled = labels.copy()
    relabelled[found] = mapping[labels[found]]
    return relabelled


def _summarise(
    space: TableSpace,
    table: pd.DataFrame,
    values: np.ndarray,
    good: np.ndarray,
    labels: np.ndarray,
    method: str,
    settings: dict[str, Any],
    seed: int,
) -> Islands:
    n_good = int(good.sum())
    in_island = labels >= 0
    found = []
    if in_island.any():
        transformed = space.log_transform(values[in_island])
        frame = pd.DataFrame(transformed, columns=space.names)
        frame["label"] = labels[in_island]
        natural = pd.DataFrame(values[in_island], columns=space.names)
        natural["label"] = labels[in_island]
        means = frame.groupby("label").mean()
        low = natural.groupby("label").min()
        high = natural.groupby("label").max()
        sizes = frame.groupby("label").size()
        for label in sizes.index:
            centre = means.loc[label].to_numpy()
            centre = np.where(space.is_log, np.exp(centre), centre)
            found.append(
                Island(
                    label=int(label),
                    size=int(sizes[label]),
                    fraction=float(sizes[label] / n_good),
                    centroid=dict(zip(space.names, centre.tolist(), strict=True)),
                    lower=low.loc[label].to_dict(),
                    upper=high.loc[label].to_dict(),
                )
            )
    good_rows = np.flatnonzero(good)
    if good_rows.size > _PLOT_POINTS:
        good_rows = np.sort(
            np.random.default_rng(seed).choice(good_rows, _PLOT_POINTS, replace=False)
        )
    sample = pd.DataFrame(values[good_rows], columns=space.names)
    sample["label"] = labels[good_rows]
    logger.info("found %d island(s); %d good rows in none", len(found),
                n_good - int(in_island.sum()))  # fmt: skip
    return Islands(
        parameters=tuple(space.names),
        units=tuple(space.units),
        log_scale=tuple(bool(v) for v in space.is_log),
        method=method,
        islands=tuple(found),
        n_rows=len(table),
        n_good=n_good,
        n_noise=n_good - int(in_island.sum()),
        settings=settings,
        labels=labels,
        sample=sample,
    )
