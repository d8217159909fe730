"""Screen logic, one controller per feature, each a QObject that gets its parts through its constructor.

A controller takes the results model, the task runner, the settings store, :class:`~gui.views.messages.Messages`
and whichever sibling controllers or widgets it acts on, never the window; it says what happened through its
own signals. So a test builds one with a real model and small fakes, and no controller imports another's module
except for its type. :mod:`gui.mainwindow` creates them and connects the menu actions to them.
"""
