"""The official Jupyter conformance suite (jupyter_kernel_test), subclassed for this kernel.

Every sample the kernel can honestly serve is filled in; docs/testing.md names each skipped test
and why. The kernel runs as installed (kernelspec `spark-sql-kbase` in the test venv).
"""

import os
import tempfile
import unittest

import jupyter_kernel_test


class SparkSqlKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "spark-sql-kbase"
    language_name = "sql"
    file_extension = ".sql"

    # psql-style \echo and \warn.
    code_hello_world = "%echo hello, world"
    code_stderr = "%warn a warning"

    # An unknown magic fails before anything else happens: exactly one error output.
    code_generate_error = "%no_such_magic"

    # %limit shows the current row limit as the cell's value.
    code_execute_result = [{"code": "%limit", "result": "100"}]

    # Every result of a cell but the last is display_data.
    code_display_data = [{"code": "%lsmagic\n%limit", "mime": "text/html"}]

    # Magic names and SQL keywords complete without Spark (catalog completion is tested
    # against the real server in tests/integration/spark.rs).
    completion_samples = [
        {"text": "%ls", "matches": {"%lsmagic"}},
        {"text": "SEL", "matches": {"SELECT"}},
        {"text": "SELECT 1 AS x ORD", "matches": {"ORDER"}},
    ]

    # Shift+Tab on a magic shows its usage (tables, columns and functions need Spark).
    code_inspect_sample = "%limit"

    complete_code_samples = ["SELECT 1", "%lsmagic", "SELECT 'a;b' -- done", "SELECT (1)"]
    incomplete_code_samples = [
        "SELECT 'abc", "SELECT (1,", "SELECT 1 /* comment", "SELECT `col", "SELECT * FROM",
    ]
    invalid_code_samples = ["SELECT 1)"]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "%lim*"

    @classmethod
    def setUpClass(cls):
        # A journal of its own: the suite counts what its own kernel's history holds, and the
        # history of a kernel with the journal spans every earlier kernel's cells.
        cls._journal = tempfile.TemporaryDirectory()
        cls._before = os.environ.get("SPARK_SQL_KERNEL_JOURNAL")
        os.environ["SPARK_SQL_KERNEL_JOURNAL"] = os.path.join(cls._journal.name, "journal.sqlite")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if cls._before is None:
            os.environ.pop("SPARK_SQL_KERNEL_JOURNAL", None)
        else:
            os.environ["SPARK_SQL_KERNEL_JOURNAL"] = cls._before
        cls._journal.cleanup()


if __name__ == "__main__":
    unittest.main()
