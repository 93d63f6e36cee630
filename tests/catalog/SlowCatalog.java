// A Spark catalog for the tests that answers slowly: listing its namespaces takes 4 s, as a
// metastore on a busy shared cluster (or a catalog loading for the first time) may. The suite
// gives the main server a catalog `slow` of it, so a test can see a completion give up at its
// bound while its lookup runs on, and the next Tab get the answer.
package kbase.test;

import java.util.Map;

import org.apache.spark.sql.connector.catalog.SupportsNamespaces;

public class SlowCatalog extends TestCatalog.ReadOnlyNamespaces implements SupportsNamespaces {
  private static final String[][] NAMESPACES = {{"slow_genomes"}, {"slow_strains"}};

  @Override
  public String[][] listNamespaces() {
    try {
      Thread.sleep(4000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return NAMESPACES;
  }

  @Override
  public String[][] listNamespaces(String[] namespace) {
    return new String[0][];
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace) {
    return Map.of();
  }
}
