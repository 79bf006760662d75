"""A Jigx solution folder: layout and read-only queries (layout), the state file (state), the
plan with its three-way decision (plan), applying it atomically (apply), the Jigx-specific edits
of files the user owns (jigx_files) over generic YAML line splicing (yaml_splice)."""
