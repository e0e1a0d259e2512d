"""Configuration: frozen dataclasses (schema), constraint rules, TOML loading with presets."""
