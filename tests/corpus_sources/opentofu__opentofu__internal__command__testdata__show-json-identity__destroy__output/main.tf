# Empty config - resource in state will be destroyed
