"""The constructor arguments of neurost's modules, kept so a module can be rebuilt.

:func:`neurost.save` stores a module as its class, the arguments it was
built with and its ``state_dict``; :func:`neurost.load` calls the class
with these arguments again and loads the weights into the result, without
pickle.
"""

import functools
import inspect


def records_config(cls):
    """Class decorator: keep the arguments of ``cls(...)`` in ``module.config``.

    ``config`` maps every parameter of ``cls.__init__`` to the value it got,
    defaults included (the objects themselves, not copies), so that
    ``cls(**module.config)`` builds the same architecture again. It is set
    only on instances of ``cls`` itself: a subclass is not rebuilt from its
    parent's arguments.

    Parameters
    ----------
    cls : type
        A :class:`torch.nn.Module` subclass whose ``__init__`` takes no
        ``*args`` or ``**kwargs``.

    Returns
    -------
    type
        ``cls``, its ``__init__`` wrapped.
    """
    init = cls.__init__
    signature = inspect.signature(init)
    variadic = [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    if variadic:
        raise TypeError(
            f"records_config needs named parameters only; {cls.__name__}.__init__ "
            f"takes {variadic}."
        )

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if type(self) is cls:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            del arguments[next(iter(signature.parameters))]
            self.config = arguments

    cls.__init__ = __init__
    return cls
