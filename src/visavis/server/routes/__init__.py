"""The API's routers, one resource each; ``visavis.server.app`` includes them."""
