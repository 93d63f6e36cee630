// A Spark catalog for the tests with BERDL's breadth and nothing stored: 1,000 namespaces of 20
// tables each (ns_0000 … ns_0999; ns_0123 holds genome_0123_00 … genome_0123_19, each one bigint
// column `id` and no rows), listed at once. The suite gives the main server a catalog `many` of it, so the
// catalog sidebar's filter and virtual tree are tried on 20,000 tables without making any.
package kbase.test;

import java.util.Map;

import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.SupportsNamespaces;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

public class ManyCatalog implements TableCatalog, SupportsNamespaces {
  private static final int NAMESPACES = 1000;
  private static final int TABLES = 20;
  private String name;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

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
    return new Table() {
      @Override
      public String name() {
        return ident.toString();
      }

      @Override
      public StructType schema() {
        return new StructType().add("id", DataTypes.LongType, false);
      }

      @Override
      public java.util.Set<TableCapability> capabilities() {
        return java.util.Set.of();
      }
    };
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

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade) {
    throw new UnsupportedOperationException("the many-tables test catalog is read-only");
  }
}
