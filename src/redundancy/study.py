"""The study file: one YAML document that drives a whole analysis.

A study names a model with its settings and fixed parameter values, and the
stages to run on it. Every key is checked: unknown keys, wrong types,
out-of-bounds values, unknown parameter or readout names and missing files are
reported as :class:`~redundancy.errors.InputError` with the key's path, the
value and the fix. Example::

    name: cntnap2-ei-map
    seed: 0
    model:
      name: ei_psp
      parameters: {v_hold_mv: -50}
    landscape: {x: g_i_scale, y: g_e_scale, points: 201, readout: psp_peak_mv}
    cohort: {csv: builtin:cntnap2, tolerance_pct: 10}
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from redundancy.analysis.config import AnalysesConfig
from redundancy.errors import InputError
from redundancy.execution.config import SweepConfig
from redundancy.models import Model, get_model

__all__ = [
    "CohortSection",
    "LandscapeSection",
    "ModelSection",
    "Study",
    "default_study_text",
    "load_study",
    "parse_study",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSection(_Section):
    """The model: registry name, constructor settings, fixed values and bounds."""

    name: str = Field(description="Registry name, e.g. ei_psp.")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Model constants such as dt_ms."
    )
    parameters: dict[str, float] = Field(
        default_factory=dict, description="Parameter values in their units, by name."
    )
    bounds: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="New [lower, upper] bounds, by name."
    )

    @field_validator("settings")
    @classmethod
    def _scalar_settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        # One clear line per bad value; the model checks each value's range.
        for key, value in settings.items():
            if not isinstance(value, bool | int | float | str):
                raise ValueError(
                    f"setting {key!r} must be a number, true or false, or text, "
                    f"got {value!r}"
                )
        return settings

    def build(self) -> Model:
        """Return the model with the settings, bounds and fixed values applied.

        Raises:
            InputError: for an unknown model, setting or parameter, or a value
                outside its parameter's bounds.
        """
        try:
            model = get_model(self.name, **self.settings)
        except KeyError as error:
            raise InputError(f"model.name: {error.args[0]}") from None
        except (TypeError, InputError) as error:
            raise InputError(f"model.settings: {error}") from None
        space = model.space
        for name, (lower, upper) in self.bounds.items():
            parameter = _lookup(space, name, "model.bounds")
            try:
                space = space.replace(**{name: parameter.with_bounds(lower, upper)})
            except ValueError as error:
                raise InputError(f"model.bounds.{name}: {error}") from None
        for name, value in self.parameters.items():
            parameter = _lookup(space, name, "model.parameters")
            if not parameter.lower <= value <= parameter.upper:
                raise InputError(
                    f"model.parameters.{name}: {value} {parameter.unit} is outside the "
                    f"bounds [{parameter.lower}, {parameter.upper}]; change the value or "
                    "widen model.bounds"
                )
        model = model.with_space(space)
        return model.with_defaults(**self.parameters) if self.parameters else model


def _lookup(space: Any, name: str, where: str) -> Any:
    if name not in space:
        raise InputError(
            f"{where}.{name}: unknown parameter; known parameters: {', '.join(space.names)}"
        )
    return space[name]


class LandscapeSection(_Section):
    """A 2-D grid over two parameters with the iso-readout contour through the reference."""

    x: str = Field("g_i_scale", description="Parameter on the horizontal axis.")
    y: str = Field("g_e_scale", description="Parameter on the vertical axis.")
    x_range: tuple[float, float] | None = Field(None, description="[low, high] of x.")
    y_range: tuple[float, float] | None = Field(None, description="[low, high] of y.")
    points: int | tuple[int, int] = Field(
        201, description="Points per axis or [nx, ny]."
    )
    readout: str = Field("psp_peak_mv", description="Readout that defines function.")
    ratio_readout: str | None = Field(
        "ei_ratio", description="Readout drawn as the iso-ratio line; null for none."
    )

    @model_validator(mode="after")
    def _check_points(self) -> LandscapeSection:
        counts = (
            (self.points, self.points) if isinstance(self.points, int) else self.points
        )
        for count in counts:
            if not 3 <= count <= 4001:
                raise ValueError(
                    f"points must be between 3 and 4001 per axis, got {count}"
                )
        return self


class CohortSection(_Section):
    """Measured groups read from CSV and the tolerance that defines compensation."""

    csv: str = Field(
        description="CSV path (relative to the study file) or builtin:NAME."
    )
    reference_group: str = Field("wild_type", description="Genotype of the wild type.")
    unit: str | None = Field(
        None, description="Unit of g_e and g_i without a unit column."
    )
    tolerance_pct: float = Field(
        10.0, ge=0.0, le=100.0, description="Largest |% change| counted as compensated."
    )
    holding_potentials_mv: list[float] | None = Field(
        None,
        description="Holding potentials (mV) at which to repeat the comparison.",
    )


class Study(_Section):
    """A whole study: the model and the stages to run on it."""

    name: str = Field(description="Short name used in outputs.")
    description: str = ""
    seed: int = Field(0, ge=0, description="Study seed; every stage derives its own.")
    model: ModelSection
    landscape: LandscapeSection | None = None
    cohort: CohortSection | None = None
    sweep: SweepConfig | None = None
    analyses: AnalysesConfig | None = None
    traces: bool = Field(True, description="Plot traces of the reference and groups.")

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _text: str = PrivateAttr(default="")

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the study are resolved against."""
        return self._base_dir

    @property
    def text(self) -> str:
        """The study file's text, stored with every result."""
        return self._text

    def resolve_path(self, path: str) -> str:
        """Return ``path`` resolved against the study's folder (``builtin:`` kept)."""
        if path.startswith("builtin:") or Path(path).is_absolute():
            return path
        return str(self._base_dir / path)

    def check(self) -> Model:
        """Build the model and check every name the stages use; return the model.

        Raises:
            InputError: naming the key, the value and the known names.
        """
        model = self.model.build()
        if self.landscape is not None:
            for key in ("x", "y"):
                _lookup(model.space, getattr(self.landscape, key), "landscape")
            for key in ("readout", "ratio_readout"):
                name = getattr(self.landscape, key)
                if name is not None and name not in model.readout_names:
                    raise InputError(
                        f"landscape.{key}: unknown readout {name!r}; readouts of "
                        f"{model.name}: {', '.join(model.readout_names)}"
                    )
        if self.cohort is not None:
            csv = self.resolve_path(self.cohort.csv)
            if not csv.startswith("builtin:") and not Path(csv).is_file():
                raise InputError(f"cohort.csv: file not found: {csv}")
        return model


def _format_validation_error(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key {location!r}; check its spelling")
        elif item["type"] == "missing":
            lines.append(f"{source}: missing required key {location!r}")
        else:
            value = item.get("input")
            shown = f" (got {value!r})" if not isinstance(value, dict) else ""
            lines.append(f"{source}: {location}: {item['msg']}{shown}")
    return "\n".join(lines)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key repeated within one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r}; a later value would replace the earlier one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_study(
    text: str, *, source: str = "<study>", base_dir: Path | None = None
) -> Study:
    """Parse and validate study YAML text.

    Raises:
        InputError: for invalid YAML or any invalid key or value.
    """
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or str(error)
        raise InputError(f"{source}{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise InputError(f"{source}: invalid YAML: {error}") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: a study file must be a YAML mapping of keys to values"
        )
    try:
        study = Study.model_validate(data)
    except ValidationError as error:
        raise InputError(_format_validation_error(error, source)) from None
    study._base_dir = base_dir or Path.cwd()
    study._text = text
    return study


def load_study(path: str | Path) -> Study:
    """Read and validate a study file.

    Raises:
        InputError: if the file is missing or invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"study file not found: {path}")
    text = path.read_text(encoding="utf-8")
    return parse_study(text, source=str(path), base_dir=path.resolve().parent)


def default_study_text() -> str:
    """Return the YAML of the embedded default study (the Cntnap2 E/I map)."""
    return (
        files("redundancy.data").joinpath("demo_study.yaml").read_text(encoding="utf-8")
    )
