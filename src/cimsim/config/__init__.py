"""Configuration: frozen dataclasses (schema), constraint rules, TOML loading with presets."""

from ..errors import ConfigError
from .checks import check_consistency
from .load import (
    SECTION_PRESETS, config_from_dict, config_to_dict, list_presets, list_section_presets, load_config, load_preset,
    section_preset, with_overrides,
)
from .reference import reference_markdown
from .schema import (
    SECTIONS, AdcConfig, ArrayConfig, BaselineConfig, ChipConfig, Config, DacConfig, DeviceConfig, MappingConfig,
    SimulationConfig, TechnologyConfig, WorkloadConfig,
)

__all__ = [
    "Config", "ArrayConfig", "DeviceConfig", "MappingConfig", "DacConfig", "AdcConfig", "TechnologyConfig",
    "WorkloadConfig", "BaselineConfig", "ChipConfig", "SimulationConfig", "SECTIONS", "ConfigError",
    "load_config", "config_from_dict", "config_to_dict", "with_overrides", "check_consistency",
    "list_presets", "load_preset", "list_section_presets", "section_preset", "SECTION_PRESETS", "reference_markdown",
]
