"""Paths within the good set: are two solutions connected, or separate islands?

:func:`connect` asks whether a path that stays in the good set links two
parameter sets. It works in the unit cube of the model's parameter space
(log parameters in log space) and samples every path at ``resolution``
points evenly spaced by arc length, taking the criterion margin
(:mod:`redundancy.analysis.margins`) at each:

1. the straight segment from ``a`` to ``b``; if its worst margin is at least
   ``tolerance`` the points are connected;
2. otherwise a piecewise-linear path through ``n_waypoints`` interior
   waypoints, optimised with Powell's method (bounded to the unit cube) to
   maximise the worst margin along the path, in the spirit of the polygonal
   chains of Garipov et al. (2018). Starts: the straight line, random
   perturbations of it, and the shortest path through a k-nearest-neighbour
   graph of good points from a random sweep. The graph path is itself a
   candidate.

A gap narrower than the sampling step can be missed, so ``resolution``
should exceed the path length divided by the narrowest feature of the good
set. :func:`connect_islands` connects every pair of island centroids and
returns the connectivity matrix with the verdict ``"separate islands"`` or
``"connected set"``.

References:
    Garipov T, Izmailov P, Podoprikhin D, Vetrov D, Wilson AG (2018). Loss
    surfaces, mode connectivity, and fast ensembling of DNNs. NeurIPS 31.
    Draxler F, Veschgini K, Salmhofer M, Hamprecht FA (2018). Essentially no
    barriers in neural network energy landscape. ICML, PMLR 80:1309-1318.
    Powell MJD (1964). An efficient method for finding the minimum of a
    function of several variables without calculating derivatives. Comput J
    7:155-162.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import optimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path
from scipy.spatial import cKDTree

from redundancy.analysis.islands import Island, Islands
from redundancy.analysis.margins import CriterionLike, margin_function
from redundancy.analysis.paths_result import Connection, IslandConnectivity
from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.progress import progress_bar

__all__ = ["Connection", "IslandConnectivity", "connect", "connect_islands"]

logger = logging.getLogger(__name__)

PointLike = Mapping[str, float] | Sequence[float] | np.ndarray | Island


def connect(
    model: Model,
    a: PointLike,
    b: PointLike,
    criterion: CriterionLike,
    *,
    n_waypoints: int = 2,
    resolution: int = 64,
    optimise: bool = True,
    n_starts: int = 3,
    graph_samples: int = 2000,
    max_evaluations: int = 600,
    tolerance: float = 0.0,
    seed: int = 0,
) -> Connection:
    """Decide whether a path within the good set links ``a`` and ``b``.

    Args:
        model: the model to simulate.
        a: start point: parameter values by name (missing ones take defaults),
            a (d,) array in natural units, or an :class:`Island` (its centroid).
        b: end point, as ``a``.
        criterion: the good-set criterion; a continuous margin (score or
            comparison criteria) lets the optimiser climb towards the good set.
        n_waypoints: interior waypoints of the optimised path.
        resolution: points sampled along each path, at least 3.
        optimise: search for a bent path when the straight one fails.
        n_starts: optimiser starts (straight line, graph path, random).
        graph_samples: random points for the k-nearest-neighbour graph seed;
            0 turns the graph off.
        max_evaluations: path evaluations per optimiser start; each costs
            ``resolution`` simulations.
        tolerance: smallest worst margin that counts as connected.
        seed: seed of the random starts and graph sample.

    Returns:
        A :class:`Connection`.

    Raises:
        InputError: for an unknown parameter or a resolution below 3.

    References:
        Garipov T et al. (2018). NeurIPS 31.
        Powell MJD (1964). Comput J 7:155-162.
    """
    if resolution < 3:
        raise InputError(f"resolution must be at least 3, got {resolution}")
    if n_waypoints < 1:
        raise InputError(f"n_waypoints must be at least 1, got {n_waypoints}")
    space = model.space
    start = space.to_unit(_as_point(model, a)[None, :])[0]
    end = space.to_unit(_as_point(model, b)[None, :])[0]
    margins = margin_function(model, criterion)
    counter = {"simulations": 0}

    def evaluate(unit_points: np.ndarray) -> np.ndarray:
        counter["simulations"] += len(unit_points)
        return margins(space.from_unit(np.clip(unit_points, 0.0, 1.0)))

    straight_nodes = np.vstack([start, end])
    straight_margin = evaluate(_sample_polyline(straight_nodes, resolution))
    straight_worst = float(straight_margin.min())

    def result(method: str, nodes: np.ndarray, margin: np.ndarray) -> Connection:
        worst = float(margin.min())
        return Connection(
            parameters=tuple(space.names),
            connected=method != "endpoint not good" and worst >= tolerance,
            method=method,
            waypoints=space.from_unit(nodes),
            path_points=space.from_unit(_sample_polyline(nodes, resolution)),
            path_margin=margin,
            worst_margin=worst,
            straight_margin=straight_margin,
            straight_worst_margin=straight_worst,
            n_simulations=counter["simulations"],
        )

    if straight_margin[0] < tolerance or straight_margin[-1] < tolerance:
        logger.warning("an end point is not in the good set (margins %.3g, %.3g)",
                       straight_margin[0], straight_margin[-1])  # fmt: skip
        return result("endpoint not good", straight_nodes, straight_margin)
    if straight_worst >= tolerance or not optimise:
        return result("straight", straight_nodes, straight_margin)

    rng = np.random.default_rng(seed)
    candidates: list[tuple[str, np.ndarray, np.ndarray]] = []
    starts = [_interpolate(straight_nodes, n_waypoints)]
    if graph_samples > 0:
        graph_nodes = _graph_path(start, end, evaluate, graph_samples, tolerance, rng)
        if graph_nodes is not None:
            candidates.append(
                (
                    "graph",
                    graph_nodes,
                    evaluate(_sample_polyline(graph_nodes, resolution)),
                )
            )
            starts.insert(0, _interpolate(graph_nodes, n_waypoints))
    while len(starts) < max(n_starts, 1):
        noise = rng.normal(0.0, 0.15, size=starts[-1].shape)
        starts.append(np.clip(_interpolate(straight_nodes, n_waypoints) + noise, 0, 1))

    def objective(flat: np.ndarray) -> float:
        nodes = np.vstack([start, flat.reshape(n_waypoints, -1), end])
        margin = evaluate(_sample_polyline(nodes, resolution))
        # The mean shortfall gives the optimiser a slope where the worst point
        # alone would leave the objective flat.
        return -(float(margin.min()) + 0.1 * float(np.minimum(margin, 0.0).mean()))

    with progress_bar(len(starts), "path search", unit="start") as bar:
        for initial in starts[: max(n_starts, 1)]:
            fitted = optimize.minimize(
                objective,
                initial.ravel(),
                method="Powell",
                bounds=[(0.0, 1.0)] * initial.size,
                options={"maxfev": max_evaluations, "xtol": 1e-4, "ftol": 1e-8},
            )
            nodes = np.vstack([start, fitted.x.reshape(n_waypoints, -1), end])
            candidates.append(
                ("optimised", nodes, evaluate(_sample_polyline(nodes, resolution)))
            )
            bar.update(1)
    method, nodes, margin = max(candidates, key=lambda c: float(c[2].min()))
    logger.info("path search: best worst margin %.3g (%s) after %d simulations",
                margin.min(), method, counter["simulations"])  # fmt: skip
    return result(method, nodes, margin)


def connect_islands(
    model: Model,
    islands: Islands | Sequence[PointLike],
    criterion: CriterionLike,
    **connect_options: Any,
) -> IslandConnectivity:
    """Connect the centroid of every pair of islands and judge the solution set.

    Args:
        model: the model to simulate.
        islands: an :class:`Islands` result (its centroids are used) or a list
            of points (parameter values by name or arrays in natural units).
        criterion: the good-set criterion.
        **connect_options: passed to :func:`connect` (resolution, n_waypoints...).

    Returns:
        An :class:`IslandConnectivity` with the verdict ``"connected set"``
        when every island can be reached from every other, else
        ``"separate islands"``.

    Raises:
        InputError: if ``islands`` is empty.

    References:
        Garipov T et al. (2018). NeurIPS 31.
    """
    points = list(islands.islands) if isinstance(islands, Islands) else list(islands)
    if not points:
        raise InputError("no islands to connect; the good set is empty")
    centres = np.array([_as_point(model, p) for p in points])
    n = len(centres)
    connected = np.eye(n, dtype=bool)
    worst = np.full((n, n), np.nan)
    connections: dict[tuple[int, int], Connection] = {}
    for i in range(n):
        for j in range(i + 1, n):
            link = connect(model, centres[i], centres[j], criterion, **connect_options)
            connections[(i, j)] = link
            connected[i, j] = connected[j, i] = link.connected
            worst[i, j] = worst[j, i] = link.worst_margin
    count, component = connected_components(connected, directed=False)
    components = tuple(
        tuple(int(k) for k in np.flatnonzero(component == c)) for c in range(count)
    )
    verdict = "connected set" if count == 1 else "separate islands"
    logger.info("%d island(s) form %d component(s): %s", n, count, verdict)
    return IslandConnectivity(
        parameters=tuple(model.space.names),
        centres=centres,
        connected=connected,
        worst_margin=worst,
        components=components,
        verdict=verdict,
        connections=connections,
    )


def _as_point(model: Model, point: PointLike) -> np.ndarray:
    """Return a point as a (d,) array in natural units."""
    if isinstance(point, Island):
        point = point.centroid
    if isinstance(point, Mapping):
        for name in point:
            if name not in model.space:
                raise InputError(
                    f"unknown parameter {name!r} for model {model.name!r}; "
                    f"parameters: {', '.join(model.space.names)}"
                )
        return model.space.to_array({k: [v] for k, v in point.items()})[0]
    return model.space.to_array(np.asarray(point, dtype=float))[0]


def _sample_polyline(nodes: np.ndarray, count: int) -> np.ndarray:
    """Return ``count`` points evenly spaced by arc length along a polyline."""
    lengths = np.linalg.norm(np.diff(nodes, axis=0), axis=1)
    total = lengths.sum()
    if total == 0:
        return np.repeat(nodes[:1], count, axis=0)
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    positions = np.linspace(0.0, total, count)
    segment = np.clip(np.searchsorted(cumulative, positions, side="right") - 1,
                      0, len(lengths) - 1)  # fmt: skip
    within = np.where(
        lengths[segment] > 0,
        (positions - cumulative[segment])
        / np.where(lengths[segment] > 0, lengths[segment], 1),
        0.0,
    )
    return nodes[segment] + within[:, None] * (nodes[segment + 1] - nodes[segment])


def _interpolate(nodes: np.ndarray, n_waypoints: int) -> np.ndarray:
    """Return ``n_waypoints`` interior points evenly spaced along a polyline."""
    return _sample_polyline(nodes, n_waypoints + 2)[1:-1]


def _graph_path(
    start: np.ndarray,
    end: np.ndarray,
    evaluate: Any,
    samples: int,
    tolerance: float,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """Return the shortest path through good random points, or None if none links."""
    points = rng.random((samples, start.size))
    good = points[evaluate(points) >= tolerance]
    nodes = np.vstack([start, end, good])
    if len(nodes) < 3:
        return None
    k = min(10, len(nodes) - 1)
    distance, neighbour = cKDTree(nodes).query(nodes, k=k + 1)
    rows = np.repeat(np.arange(len(nodes)), k)
    graph = coo_matrix(
        (distance[:, 1:].ravel(), (rows, neighbour[:, 1:].ravel())),
        shape=(len(nodes), len(nodes)),
    ).tocsr()
    lengths, previous = shortest_path(
        graph, directed=False, indices=0, return_predecessors=True
    )
    if not np.isfinite(lengths[1]):
        return None
    order = [1]
    while order[-1] != 0:
        order.append(int(previous[order[-1]]))
    return nodes[order[::-1]]
