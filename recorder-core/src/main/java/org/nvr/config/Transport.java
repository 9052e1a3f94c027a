package org.nvr.config;

/** RTSP lower transport. {@code AUTO} tries UDP and falls back to TCP when UDP brings no packets. */
public enum Transport {
    TCP, UDP, AUTO
}
