"""The spec: one frozen model, loaded from YAML with every problem reported at once."""

from tenantwatch.spec.issues import Issue, SpecError
from tenantwatch.spec.load import LoadResult, load_file, load_spec, load_text
from tenantwatch.spec.models import Spec

__all__ = ["Issue", "LoadResult", "Spec", "SpecError", "load_file", "load_spec", "load_text"]
