"""Examples for the chapter "Deploy beyond Lambda"."""
