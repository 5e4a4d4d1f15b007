"""Named pure transforms referenced from mappings/*.yaml (see registry.py for the contract)."""

from etl_assets.transforms.registry import Parsed, TRANSFORMS, apply_transform, get_transform, transform

__all__ = ["Parsed", "TRANSFORMS", "apply_transform", "get_transform", "transform"]
