package io.predictionrelay.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * What makes {@link LocalKafkaBroker} a secured broker: the users' random passwords, kept per broker
 * directory; a CA and the broker's certificate made with the JDK's keytool; and the listener, SASL and
 * authorizer properties. Passwords reach keytool through its environment, never its command line, and
 * are written only to owner-only files.
 */
final class SecuredBroker {
  private static final String CREDENTIALS = "credentials.properties";
  private static final String KEYSTORE_PASSWORD = "keystore";
  private static final String TRUSTSTORE_PASSWORD = "truststore";
  private static final String CLIENT_KEYSTORE_PASSWORD = "client-keystore";
  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

  private final Path dir;
  private final Map<String, String> passwords;
  private final String keystorePassword;
  final String truststorePassword;
  final String clientKeystorePassword;

  private SecuredBroker(
      Path dir, Map<String, String> passwords, String keystorePassword, String truststorePassword,
      String clientKeystorePassword) {
    this.dir = dir;
    this.passwords = passwords;
    this.keystorePassword = keystorePassword;
    this.truststorePassword = truststorePassword;
    this.clientKeystorePassword = clientKeystorePassword;
  }

  /** The passwords kept in {@code dir}, made (and kept) when there are none yet. */
  static SecuredBroker in(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(CREDENTIALS);
    Properties kept = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        kept.load(in);
      }
    }
    SecureRandom random = new SecureRandom();
    boolean added = false;
    List<String> names = new ArrayList<>(LocalKafkaBroker.USERS);
    names.addAll(List.of(KEYSTORE_PASSWORD, TRUSTSTORE_PASSWORD, CLIENT_KEYSTORE_PASSWORD));
    for (String name : names) {
      if (kept.getProperty(name) == null) {
        kept.setProperty(name, randomPassword(random));
        added = true;
      }
    }
    if (added) {
      createPrivate(file);
      try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
        kept.store(out, "passwords of the local secured Kafka broker");
      }
    }
    Map<String, String> passwords = new LinkedHashMap<>();
    LocalKafkaBroker.USERS.forEach(user -> passwords.put(user, kept.getProperty(user)));
    return new SecuredBroker(
        dir, passwords, kept.getProperty(KEYSTORE_PASSWORD), kept.getProperty(TRUSTSTORE_PASSWORD),
        kept.getProperty(CLIENT_KEYSTORE_PASSWORD));
  }

  private static String randomPassword(SecureRandom random) {
    StringBuilder password = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      password.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }

  String password(String user) {
    String password = passwords.get(user);
    if (password == null) {
      throw new IllegalArgumentException("no user '" + user + "' on the secured broker: one of " + passwords.keySet());
    }
    return password;
  }

  private Path tls() {
    return dir.resolve("tls");
  }

  Path truststore() {
    return tls().resolve("truststore.p12");
  }

  private Path keystore() {
    return tls().resolve("broker.p12");
  }

  /** The writer's key pair and certificate ({@code CN=writer}), for mutual TLS. */
  Path clientKeystore() {
    return tls().resolve(LocalKafkaBroker.WRITER + ".p12");
  }

  /**
   * A CA, the broker's key pair and its certificate signed by the CA for 127.0.0.1 and localhost (so
   * clients' host name verification passes), in a PKCS12 keystore; the writer's client certificate,
   * signed by the same CA; the CA alone in the clients' truststore. Made once per directory, the
   * truststore last, so its presence means all is there. The directory and the key stores holding
   * private keys (the CA's, the broker's, the writer's) are the owner's only, as the credentials are.
   */
  void makeCertificates(Path log) throws IOException, InterruptedException {
    if (Files.exists(truststore()) && Files.exists(clientKeystore())) {
      return;
    }
    Path tls = tls();
    if (Files.exists(tls)) {
      try (var files = Files.list(tls)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
    }
    Files.createDirectories(tls);
    setPermissions(tls, "rwx------");
    String ca = tls.resolve("ca.p12").toString();
    String csr = tls.resolve("broker.csr").toString();
    String signed = tls.resolve("broker.crt").toString();
    String caCert = tls.resolve("ca.crt").toString();
    String keystore = keystore().toString();
    String validity = "365";
    keytool(log, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=Prediction Relay local CA", "-validity", validity, "-ext", "bc:c",
        "-keystore", ca, "-storetype", "PKCS12", "-storepass:env", "KS");
    keytool(log, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-validity", validity,
        "-keystore", keystore, "-storetype", "PKCS12", "-storepass:env", "KS");
    keytool(log, "-certreq", "-alias", "broker", "-keystore", keystore, "-storepass:env", "KS", "-file", csr);
    keytool(log, "-gencert", "-alias", "ca", "-keystore", ca, "-storepass:env", "KS", "-infile", csr,
        "-outfile", signed, "-validity", validity, "-rfc",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "EKU=serverAuth,clientAuth");
    keytool(log, "-exportcert", "-alias", "ca", "-keystore", ca, "-storepass:env", "KS", "-rfc", "-file", caCert);
    keytool(log, "-importcert", "-noprompt", "-alias", "ca", "-file", caCert,
        "-keystore", keystore, "-storepass:env", "KS");
    keytool(log, "-importcert", "-alias", "broker", "-file", signed, "-keystore", keystore, "-storepass:env", "KS");
    String client = clientKeystore().toString();
    String clientCsr = tls.resolve("writer.csr").toString();
    String clientSigned = tls.resolve("writer.crt").toString();
    keytool(log, "-genkeypair", "-alias", "writer", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + LocalKafkaBroker.WRITER, "-validity", validity,
        "-keystore", client, "-storetype", "PKCS12", "-storepass:env", "CS");
    keytool(log, "-certreq", "-alias", "writer", "-keystore", client, "-storepass:env", "CS", "-file", clientCsr);
    keytool(log, "-gencert", "-alias", "ca", "-keystore", ca, "-storepass:env", "KS", "-infile", clientCsr,
        "-outfile", clientSigned, "-validity", validity, "-rfc", "-ext", "EKU=clientAuth");
    keytool(log, "-importcert", "-noprompt", "-alias", "ca", "-file", caCert,
        "-keystore", client, "-storepass:env", "CS");
    keytool(log, "-importcert", "-alias", "writer", "-file", clientSigned, "-keystore", client, "-storepass:env", "CS");
    keytool(log, "-importcert", "-noprompt", "-alias", "ca", "-file", caCert,
        "-keystore", truststore().toString(), "-storetype", "PKCS12", "-storepass:env", "TS");
    for (Path keys : privateKeyStores()) {
      setPermissions(keys, "rw-------");
    }
  }

  /** The key stores that hold private keys: the CA's, the broker's and the writer's. */
  List<Path> privateKeyStores() {
    return List.of(tls().resolve("ca.p12"), keystore(), clientKeystore());
  }

  private void keytool(Path log, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.add("-J-XX:TieredStopAtLevel=1");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KS", keystorePassword);
    builder.environment().put("TS", truststorePassword);
    builder.environment().put("CS", clientKeystorePassword);
    Process keytool = builder.start();
    if (!keytool.waitFor(60, TimeUnit.SECONDS)) {
      keytool.destroyForcibly();
      throw new IOException("keytool " + args[0] + " did not finish within 60 s");
    }
    if (keytool.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed with " + keytool.exitValue() + "; see " + log);
    }
  }

  /**
   * The broker's security properties: clients on SASL_SSL with SCRAM-SHA-512 (the broker talks to
   * itself there as the admin), or on SSL with a client certificate whose CN is the user name; the
   * controller on SASL_PLAINTEXT with PLAIN as the admin, since KRaft controllers cannot use SCRAM and
   * a PLAINTEXT controller would have to make ANONYMOUS a super user.
   */
  Map<String, String> serverProperties(int port) {
    String admin = LocalKafkaBroker.ADMIN;
    String adminPassword = password(admin);
    Map<String, String> p = new LinkedHashMap<>();
    p.put("listeners", "SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1)
        + ",MTLS://127.0.0.1:" + (port + 2));
    p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + port + ",MTLS://127.0.0.1:" + (port + 2));
    p.put("inter.broker.listener.name", "SASL_SSL");
    p.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL");
    p.put("listener.name.mtls.ssl.client.auth", "required");
    p.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
    p.put("sasl.enabled.mechanisms", LocalKafkaBroker.SASL_MECHANISM);
    p.put("sasl.mechanism.inter.broker.protocol", LocalKafkaBroker.SASL_MECHANISM);
    p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", scramJaas(admin, adminPassword));
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put(
        "listener.name.controller.plain.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + admin
            + "\" password=\"" + adminPassword + "\" user_" + admin + "=\"" + adminPassword + "\";");
    p.put("ssl.keystore.location", keystore().toString());
    p.put("ssl.keystore.type", "PKCS12");
    p.put("ssl.keystore.password", keystorePassword);
    p.put("ssl.key.password", keystorePassword);
    p.put("ssl.truststore.location", truststore().toString());
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.password", truststorePassword);
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    p.put("super.users", "User:" + admin);
    return p;
  }

  static String scramJaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
        + "\" password=\"" + password + "\";";
  }

  /** Writes a file only its owner may read (where the file system has POSIX permissions). */
  static void writePrivate(Path file, String text) throws IOException {
    createPrivate(file);
    Files.writeString(file, text, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static void createPrivate(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
    setPermissions(file, "rw-------");
  }

  private static void setPermissions(Path path, String permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the directory's ACLs apply
    }
  }
}
