{
  "targets": [
    {
      "target_name": "netns",
      "sources": ["src/netns.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
