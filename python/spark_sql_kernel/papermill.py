"""papermill's parameters for the kernel `spark-sql-kbase`.

papermill loads the entry points of its `papermill.engine` group when it is imported; this
module is one, so importing it registers the translator below for the kernel name (not for the
language `sql`: other SQL kernels keep theirs). The translator writes one line, `%parameters`
and the parameters as JSON; the kernel turns each value into a Spark SQL literal and assigns it
with `SET VAR` (or declares it), in Rust, where the quoting is unit-tested.
"""

import json
import math

from papermill.engines import NBClientEngine
from papermill.translators import Translator, papermill_translators

from . import KERNEL_NAME


def _plain(value):
    """The value as JSON can hold it: floats JSON cannot (NaN, infinities) are tagged."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$double": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class SparkSqlTranslator(Translator):
    """Writes `%parameters {...}`: one line the kernel reads."""

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        return "%parameters " + json.dumps(_plain(dict(parameters)), ensure_ascii=False, allow_nan=False)


class SparkSqlEngine(NBClientEngine):
    """papermill's own nbclient engine under this package's name (the entry point needs an
    engine; choosing it changes nothing)."""


papermill_translators.register(KERNEL_NAME, SparkSqlTranslator)
