"""Analyses of models and population tables.

Each analysis is a plain function returning a frozen result object with
``to_frame()``, ``plot()`` and ``to_dict()``:

- :func:`good_set` selects the circuits that meet a function criterion;
- :func:`redundancy_summary` compares the spread of components and function
  within the good set and finds the most dissimilar near-identical pair;
- :func:`fisher_information` gives the sloppiness spectrum at one point;
- :func:`sobol_indices`, :func:`morris` and :func:`one_at_a_time` measure
  global, screening and local sensitivity;
- :func:`correlations` and :func:`islands` describe the dependencies and
  disconnected regions of the good set.
"""

from redundancy.analysis.criteria import (
    ClassifierCriterion,
    ExpressionCriterion,
    GoodSet,
    ScoreCriterion,
    Target,
    TargetCriterion,
    good_set,
    parse_criterion,
)
from redundancy.analysis.dependencies import Correlations, correlations
from redundancy.analysis.fisher import FisherInformation, fisher_information
from redundancy.analysis.islands import Islands, islands
from redundancy.analysis.morris import MorrisResult, morris
from redundancy.analysis.oat import OneAtATime, one_at_a_time
from redundancy.analysis.redundancy_summary import (
    DissimilarPair,
    RedundancySummary,
    redundancy_summary,
)
from redundancy.analysis.results import AnalysisResult
from redundancy.analysis.sensitivity import SobolIndices, sobol_indices

__all__ = [
    "AnalysisResult",
    "ClassifierCriterion",
    "Correlations",
    "DissimilarPair",
    "ExpressionCriterion",
    "FisherInformation",
    "GoodSet",
    "Islands",
    "MorrisResult",
    "OneAtATime",
    "RedundancySummary",
    "ScoreCriterion",
    "SobolIndices",
    "Target",
    "TargetCriterion",
    "correlations",
    "fisher_information",
    "good_set",
    "islands",
    "morris",
    "one_at_a_time",
    "parse_criterion",
    "redundancy_summary",
    "sobol_indices",
]
