package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ControlUrlsTest {

    private static final String REQUEST = "rtsp://192.168.1.10:554/stream0";

    @Test
    void relativeControlAgainstContentBase() {
        ControlUrls urls = new ControlUrls(REQUEST, "rtsp://192.168.1.10:554/stream0/", null, "*");
        assertEquals("rtsp://192.168.1.10:554/stream0/trackID=1", urls.media("trackID=1"));
        assertEquals("rtsp://192.168.1.10:554/stream0/", urls.session());
    }

    @Test
    void relativeControlAppendedWhenTheBaseHasNoTrailingSlash() {
        ControlUrls urls = new ControlUrls(REQUEST, null, null, "");
        assertEquals("rtsp://192.168.1.10:554/stream0/track1", urls.media("track1"));
        assertEquals(REQUEST, urls.session());
    }

    @Test
    void absoluteControlUsedAsIs() {
        ControlUrls urls = new ControlUrls(REQUEST, "rtsp://192.168.1.10/stream0/", null, "rtsp://192.168.1.10/stream0");
        assertEquals("rtsp://192.168.1.10:554/ch0/video", urls.media("rtsp://192.168.1.10:554/ch0/video"));
        assertEquals("rtsp://192.168.1.10/stream0", urls.session());
        assertEquals("RTSP://cam/x", urls.media("RTSP://cam/x"));
    }

    @Test
    void starOrNoControlMeansTheAggregateUrl() {
        ControlUrls urls = new ControlUrls(REQUEST, "rtsp://192.168.1.10:554/stream0/", null, "");
        assertEquals("rtsp://192.168.1.10:554/stream0/", urls.media("*"));
        assertEquals("rtsp://192.168.1.10:554/stream0/", urls.media(""));
    }

    @Test
    void relativeSessionControl() {
        ControlUrls urls = new ControlUrls(REQUEST, "rtsp://cam/live/", null, "aggregate");
        assertEquals("rtsp://cam/live/aggregate", urls.session());
        assertEquals("rtsp://cam/live/track1", urls.media("track1"), "media controls resolve against the base, not the session");
    }

    @Test
    void contentLocationWhenNoContentBase() {
        ControlUrls urls = new ControlUrls(REQUEST, null, "rtsp://cam/moved/", "*");
        assertEquals("rtsp://cam/moved/track1", urls.media("track1"));
    }

    @Test
    void schemeLessContentBase() {
        ControlUrls urls = new ControlUrls(REQUEST, "192.168.1.10:554/stream0/", null, "*");
        assertEquals("rtsp://192.168.1.10:554/stream0/", urls.base());
        assertEquals("rtsp://192.168.1.10:554/stream0/trackID=1", urls.media("trackID=1"));
    }

    @Test
    void pathAbsoluteControlKeepsTheHost() {
        ControlUrls urls = new ControlUrls(REQUEST, "rtsp://192.168.1.10:554/stream0/", null, "*");
        assertEquals("rtsp://192.168.1.10:554/other/track1", urls.media("/other/track1"));
    }

    @Test
    void userInfoNeverInAResolvedUrl() {
        for (org.nvr.testing.UserInfoPasswords.Password password : org.nvr.testing.UserInfoPasswords.all()) {
            String url = password.url("admin", "192.168.1.10:554/stream0");
            ControlUrls urls = new ControlUrls(url, null, null, "*");
            assertEquals("rtsp://192.168.1.10:554/stream0", urls.session(), url);
            assertEquals("rtsp://192.168.1.10:554/stream0/trackID=1", urls.media("trackID=1"), url);
            assertEquals("rtsp://192.168.1.10:554/x", urls.media(password.url("admin", "192.168.1.10:554/x")), url);
        }
        assertEquals("rtsp://cam/a@b", new ControlUrls("rtsp://cam/a@b", null, null, "").session(), "an @ in the path stays");
    }

    @Test
    void queryInTheBaseIsKept() {
        ControlUrls urls = new ControlUrls("rtsp://cam/live?channel=1&subtype=0", null, null, "");
        assertEquals("rtsp://cam/live?channel=1&subtype=0/trackID=0", urls.media("trackID=0"));
    }
}
