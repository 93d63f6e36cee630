"""Spark SQL (KBase), a Jupyter kernel in Rust, as installed by pip.

The wheel carries the `spark-sql-kernel` binary (in the environment's `bin`) and the kernelspec
`spark-sql-kbase` (in the environment's `share/jupyter/kernels`), whose `kernel.json` starts the
binary through `{resource_dir}`, so no PATH is needed. This package only registers papermill's
parameter translator (`spark_sql_kernel.papermill`).
"""

KERNEL_NAME = "spark-sql-kbase"
