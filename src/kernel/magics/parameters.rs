//! `%parameters {"name": value, …}`: papermill's parameters (the wheel's translator writes this
//! line). Each value becomes a Spark SQL literal (`crate::sql::literal`) and is assigned with
//! `SET VAR`, so that a variable the notebook declared keeps its type; a name not declared is
//! declared with the literal's type. Every name is checked before anything runs; it shows
//! nothing when it works.
//! Must not: build SQL text from values itself (`sql::literal` does).

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render::SqlSource;
use crate::session::SessionError;
use crate::sql::literal::{self, is_identifier};
use spark_connect::SparkError;

/// The parameters to assign, in order.
pub struct Parameters(Vec<Parameter>);

/// One parameter: its name (a SQL identifier) and its value as a Spark SQL literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    name: String,
    literal: String,
}

impl MagicCommand for Parameters {
    const SPEC: MagicSpec = MagicSpec {
        name: "parameters",
        usage: "%parameters {\"NAME\": VALUE, …} (JSON; papermill writes it)",
        description: "Assign parameters to SQL variables: SET VAR for declared ones (their types kept), DECLARE VARIABLE for the others.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        let parameters = literal::parse_parameters(args).map_err(|e| e.to_string())?;
        let mut assigned = Vec::with_capacity(parameters.len());
        for (name, value) in parameters {
            if !is_identifier(&name) {
                return Err(format!(
                    "the parameter name {name:?} is not a SQL identifier (letters, digits and _, not starting with a digit)"
                ).into());
            }
            let literal = literal::literal(&value).map_err(|e| format!("parameter {name}: {e}"))?;
            assigned.push(Parameter { name, literal });
        }
        Ok(Parameters(assigned))
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        for Parameter { name, literal } in self.0 {
            let set = format!("SET VAR {name} = {literal}");
            match run(scope, &set).await {
                Err(SessionError::Spark(SparkError::Server(e)))
                    if e.error_class
                        .as_deref()
                        .is_some_and(|c| c.starts_with("UNRESOLVED_VARIABLE")) =>
                {
                    // Not declared by the notebook: declared here, with the literal's type (a
                    // NULL's is STRING: a `void` variable could hold nothing else).
                    let declare = if literal == "NULL" {
                        format!("DECLARE VARIABLE {name} STRING DEFAULT NULL")
                    } else {
                        format!("DECLARE VARIABLE {name} = {literal}")
                    };
                    run(scope, &declare)
                        .await
                        .map_err(|e| failed(e, &declare))?;
                }
                outcome => outcome.map_err(|e| failed(e, &set))?,
            }
        }
        Ok(())
    }
}

/// Runs one assignment (it returns no rows).
async fn run(scope: &mut CellScope<'_>, sql: &str) -> Result<(), SessionError> {
    let (reports, _) = tokio::sync::watch::channel(spark_connect::Running::default());
    scope.run(sql, 1, &reports).await.map(|_| ())
}

fn failed(error: SessionError, sql: &str) -> KernelError {
    match error {
        SessionError::Spark(error) => KernelError::Spark {
            error,
            sql: Some(Box::new(SqlSource {
                text: sql.to_owned(),
                line: 1,
            })),
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_values_quoted_before_anything_runs() {
        let Parameters(p) = Parameters::parse(r#"{"since": "2025-02-03", "n": 20}"#).unwrap();
        let parameter = |name: &str, literal: &str| Parameter {
            name: name.to_owned(),
            literal: literal.to_owned(),
        };
        assert_eq!(
            p,
            [parameter("n", "20"), parameter("since", "'2025-02-03'")],
            "in the JSON's key order, values as SQL literals"
        );
        let Err(e) = Parameters::parse(r#"{"ok": 1, "my-var": 2}"#) else {
            panic!("a bad name passed")
        };
        assert!(e.0.contains("\"my-var\" is not a SQL identifier"), "{e}");
        assert!(
            Parameters::parse("threshold=20").is_err(),
            "parameters are JSON, not NAME=VALUE"
        );
    }
}
