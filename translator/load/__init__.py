"""Reading input: files and streams into documents (source, yamlcore), defaults applied to them, and documents
decoded into intents (decode: NetworkIntents validated, native policies through their engine's importer), each
with where it came from (loaded)."""
