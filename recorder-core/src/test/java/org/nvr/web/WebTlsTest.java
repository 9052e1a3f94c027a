package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;

/** {@code web.tls}: the pages over HTTPS with a certificate made for the test, and a Secure cookie. */
class WebTlsTest {
    @TempDir
    Path dir;

    @Test
    void servesHttpsAndMarksTheCookieSecure() throws Exception {
        Path cert = dir.resolve("web.crt");
        Path key = dir.resolve("web.key");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0,
                () -> "openssl failed: " + read(dir.resolve("openssl.log")));
        String yaml = WebServerTest.yaml(dir, "  tls: {cert: " + cert + ", key: " + key + "}\n")
                .replace("listen: 127.0.0.1:0", "listen: \"127.0.0.1:0\"");
        NvrConfig config = ConfigLoader.parse(yaml, Map.of());
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath());
             WebServer server = WebServer.start(config, writer, WebServer.Options.DEFAULT)) {
            assertTrue(server.url().startsWith("https://127.0.0.1:"), server.url());
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert))
                    .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> page = https.send(HttpRequest.newBuilder(URI.create(server.url())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            String form = "username=xem&password=" + URLEncoder.encode(WebServerTest.VIEWER_PW, StandardCharsets.UTF_8);
            HttpResponse<String> login = https.send(HttpRequest.newBuilder(URI.create(server.url() + "login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(303, login.statusCode());
            String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(WebServerTest.attributes(setCookie).contains("secure"), setCookie);
            assertTrue(WebServerTest.attributes(setCookie).contains("httponly"), setCookie);
        }
    }

    private static SSLContext trusting(Path cert) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("web", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
