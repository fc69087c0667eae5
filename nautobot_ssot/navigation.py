"""The app's menu: dashboard, sync history and log entries, under Nautobot's Apps tab."""

from nautobot.apps.ui import NavigationIconChoices, NavigationWeightChoices, NavMenuGroup, NavMenuItem, NavMenuTab

menu_items = (
    NavMenuTab(
        name="Apps",
        icon=NavigationIconChoices.APPS,
        weight=NavigationWeightChoices.APPS,
        groups=(
            NavMenuGroup(
                name="Single Source of Truth",
                weight=1000,
                items=(
                    NavMenuItem(
                        link="plugins:nautobot_ssot:dashboard",
                        name="Dashboard",
                        weight=100,
                        permissions=["nautobot_ssot.view_sync"],
                    ),
                    NavMenuItem(
                        link="plugins:nautobot_ssot:sync_list",
                        name="Sync History",
                        weight=200,
                        permissions=["nautobot_ssot.view_sync"],
                    ),
                    NavMenuItem(
                        link="plugins:nautobot_ssot:synclogentry_list",
                        name="Sync Logs",
                        weight=300,
                        permissions=["nautobot_ssot.view_synclogentry"],
                    ),
                ),
            ),
        ),
    ),
)
