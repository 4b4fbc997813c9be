public enum SQLitePlaceholder {}
