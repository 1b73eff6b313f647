"""Generated files only: ply LALR tables for the WebIDL grammar (`python -m codegen.webidl.tables`)."""
