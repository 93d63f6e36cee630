// A Spark catalog for the tests with BERDL's breadth and nothing stored: 1,000 namespaces of 20
// tables each (ns_0000 … ns_0999; ns_0123 holds genome_0123_00 … genome_0123_19, each one bigint
// column `id` and no rows, readable), listed at once. The suite gives the main server a catalog `many` of it, so the
// catalog sidebar's filter and virtual tree are tried on 20,000 tables without making any.
package kbase.test;

import java.util.Map;

import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;

public class ManyCatalog extends TestCatalog.ReadOnlyNamespaces
    implements TableCatalog, SupportsNamespaces {
  private static final int NAMESPACES = 1000;
  private static final int TABLES = 20;

  private static String namespace(int n) {
    return String.format("ns_%04d", n);
  }

  private static boolean known(String[] namespace) {
    if (namespace.length != 1 || !namespace[0].matches("ns_\\d{4}")) {
      return false;
    }
    return Integer.parseInt(namespace[0].substring(3)) < NAMESPACES;
  }

  @Override
  public String[][] listNamespaces() {
    String[][] all = new String[NAMESPACES][];
    for (int n = 0; n < NAMESPACES; n++) {
      all[n] = new String[] {namespace(n)};
    }
    return all;
  }

  @Override
  public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
    if (!known(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    return new String[0][];
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace)
      throws NoSuchNamespaceException {
    if (!known(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    return Map.of();
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    if (!known(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    Identifier[] tables = new Identifier[TABLES];
    for (int t = 0; t < TABLES; t++) {
      tables[t] = Identifier.of(namespace, String.format("genome_%s_%02d", namespace[0].substring(3), t));
    }
    return tables;
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    String table = ident.name();
    String prefix = known(ident.namespace()) ? "genome_" + ident.namespace()[0].substring(3) + "_" : "";
    if (prefix.isEmpty() || !table.startsWith(prefix) || !table.substring(prefix.length()).matches("\\d{2}")
        || Integer.parseInt(table.substring(prefix.length())) >= TABLES) {
      throw new NoSuchTableException(ident);
    }
    // An empty table of one bigint column `id` (version 0 of the versioned catalog's).
    return new VersionedCatalog.Versioned(ident, 0);
  }

  @Override
  public Table createTable(
      Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }

  @Override
  public boolean dropTable(Identifier ident) {
    return false;
  }

  @Override
  public void renameTable(Identifier from, Identifier to) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }
}
