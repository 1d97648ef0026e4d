"""The user's own rule files (spec `prometheus.rule_files`), copied into rules/user/ so that
Prometheus loads them and promtool checks them with the generated rules."""

from __future__ import annotations

from pathlib import Path

from tenantwatch.render import Files, RenderError, RenderOptions
from tenantwatch.spec import Spec

USER_RULES_DIR = "rules/user"


def user_rule_files(spec: Spec, options: RenderOptions) -> Files:
    """{"rules/user/<file name>": content}; paths in the spec are relative to the spec file."""
    files: Files = {}
    first_index: dict[str, int] = {}
    for i, name in enumerate(spec.prometheus.rule_files):
        path = Path(options.spec_dir) / name
        key = f"prometheus.rule_files[{i}]"
        if path.name in first_index:
            raise RenderError(f"{key}: another rule file is also named {path.name} "
                              f"(prometheus.rule_files[{first_index[path.name]}]); both would be rules/user/{path.name}")
        try:
            files[f"{USER_RULES_DIR}/{path.name}"] = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(f"{key}: cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise RenderError(f"{key}: {path} is not a UTF-8 text file") from None
        first_index[path.name] = i
    return files
