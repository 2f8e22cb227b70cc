"""One module per surface: host request -> wire payload -> host result. No connection handling."""
