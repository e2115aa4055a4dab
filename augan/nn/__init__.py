"""Generator and discriminator networks. Every generator is called as ``G(z, y)`` and every
discriminator as ``D(x, y)``, with ``y`` the class index of each row."""
