# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for zcopy's documentation (`make docs`).
project = "zcopy"
author = "The zcopy developers"
copyright = "2026, The zcopy developers"
master_doc = "index"
exclude_patterns = ["netlink/specs"]
html_theme = "alabaster"
html_show_sourcelink = False
highlight_language = "none"
