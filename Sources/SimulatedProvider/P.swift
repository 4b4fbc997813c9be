public enum SimulatedProviderPlaceholder {}
