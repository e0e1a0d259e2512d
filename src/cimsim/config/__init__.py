"""Configuration: frozen dataclasses (schema), constraint rules, TOML loading with presets."""

from ..errors import ConfigError
from .load import (
    check_consistency, config_from_dict, config_to_dict, device_preset, list_device_presets, list_presets, load_config,
    load_preset, with_overrides,
)
from .reference import reference_markdown
from .schema import (
    SECTIONS, AdcConfig, ArrayConfig, BaselineConfig, Config, DacConfig, DeviceConfig, MappingConfig,
    SimulationConfig, TechnologyConfig, WorkloadConfig,
)

__all__ = [
    "Config", "ArrayConfig", "DeviceConfig", "MappingConfig", "DacConfig", "AdcConfig", "TechnologyConfig",
    "WorkloadConfig", "BaselineConfig", "SimulationConfig", "SECTIONS", "ConfigError",
    "load_config", "config_from_dict", "config_to_dict", "with_overrides", "check_consistency",
    "list_presets", "load_preset", "list_device_presets", "device_preset", "reference_markdown",
]
