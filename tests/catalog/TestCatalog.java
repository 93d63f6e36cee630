// What the suite's test catalogs share: the name Spark gives them, and (for those that list
// namespaces) namespaces that cannot be changed.
package kbase.test;

import java.util.Map;

import org.apache.spark.sql.connector.catalog.CatalogPlugin;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

public abstract class TestCatalog implements CatalogPlugin {
  private String name;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  /** Namespaces that are listed, never changed (SupportsNamespaces' writes). */
  public abstract static class ReadOnlyNamespaces extends TestCatalog {
    public void createNamespace(String[] namespace, Map<String, String> metadata) {
      throw new UnsupportedOperationException("a test catalog's namespaces are not changed");
    }

    public void alterNamespace(String[] namespace, NamespaceChange... changes) {
      throw new UnsupportedOperationException("a test catalog's namespaces are not changed");
    }

    public boolean dropNamespace(String[] namespace, boolean cascade) {
      throw new UnsupportedOperationException("a test catalog's namespaces are not changed");
    }
  }
}
