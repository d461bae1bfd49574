{
  "targets": [
    {
      "target_name": "netns",
      "sources": ["src/netns.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "udp_batch",
      "sources": ["src/udp-batch.c", "src/udp-batch-send.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "icmp6",
      "sources": ["src/icmp6.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "packet",
      "sources": ["src/packet.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "tcp_accept",
      "sources": ["src/tcp-accept.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "fd_passing",
      "sources": ["src/fd-passing.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
