"""The reference sandbox of the HPL Device Reports API: `hpl_sandbox.app.create_app`, `hpl-sandbox`."""
