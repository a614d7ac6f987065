"""Request and response bodies, field for field as the vendor spec's schemas name them."""
