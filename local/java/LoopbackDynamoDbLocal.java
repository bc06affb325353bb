import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to 127.0.0.1 only. Its own main (ServerRunner) has no bind-address option:
 * it builds a Jetty Server(port), which listens on every interface. This builds the same server
 * from the same command line, sets its one connector's host to 127.0.0.1 before it starts, and
 * checks that it took. If the jar's internals ever change, it exits with LOOPBACK_UNAVAILABLE
 * rather than fall back to listening everywhere on its own.
 */
public final class LoopbackDynamoDbLocal {
  static final String HOST = "127.0.0.1";
  static final int LOOPBACK_UNAVAILABLE = 78;

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Server jetty;
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      jetty = (Server) field.get(proxy);
      Connector[] connectors = jetty.getConnectors();
      if (connectors.length == 0) throw new IllegalStateException("no connector");
      for (Connector connector : connectors) ((ServerConnector) connector).setHost(HOST);
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("LOOPBACK_UNAVAILABLE: cannot set the listening address of this DynamoDB Local: " + e);
      System.exit(LOOPBACK_UNAVAILABLE);
      return;
    }
    proxy.start();
    for (Connector connector : jetty.getConnectors()) {
      ServerConnector c = (ServerConnector) connector;
      if (c.getLocalPort() <= 0) {
        System.err.println("LoopbackDynamoDbLocal: the server did not start (see above)");
        Runtime.getRuntime().halt(1);
      }
      if (!HOST.equals(c.getHost())) {
        System.err.println("LOOPBACK_UNAVAILABLE: DynamoDB Local is not listening on " + HOST + " only");
        Runtime.getRuntime().halt(LOOPBACK_UNAVAILABLE);
      }
      System.err.println("LoopbackDynamoDbLocal: listening on " + c.getHost() + ":" + c.getLocalPort());
    }
  }
}
