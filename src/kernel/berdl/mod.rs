//! BERDL's house rules as the kernel meets them: its activity log (the container log's lines
//! its IPython kernels write) and what its namespace (governance) check's refusal means for
//! the statement the user wrote. Must not: reach Spark or Jupyter; the kernel calls these with
//! what it already has.

pub mod activity;
pub mod governance;
