"""The resolved model: definition set -> validation -> immutable IR (`ir.Model`)."""

from codegen.model.build import build_model
from codegen.model.index import DefinitionSet
from codegen.model.ir import Model

__all__ = ["DefinitionSet", "Model", "build_model"]
