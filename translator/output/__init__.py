"""What netpolx writes: diagnostics rendered as text/JSON/SARIF (reporters) or GitHub annotations (github), the help
behind each code (rulehelp), and generated files written into the user's folder (files)."""
